#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A thread exited holding lock_session; two waiters: one orphaned_lock
# with both waiters (ascending) and the dead owner's tid.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
start_fixture lock-orphan
wait_futex_blocked "$FIX_PID" 2
snapshot "$FIX_PID"
expect_rc 2
expect_deadlocks orphaned_lock 1
expect_deadlocked waiter-1 waiter-2
dead=$(jq -r '.threads[] | select(.name == "waiter-1") | .wait.owner_tid' "$J")
[ -n "$dead" ] && [ "$dead" != null ] || fail "no owner recorded"
[ ! -e "/proc/$FIX_PID/task/$dead" ] || fail "owner $dead still exists"
jq -e --argjson d "$dead" '.deadlocks[0] | (.threads == (.threads | sort)) and
	all(.edges[]; .owner_tid == $d and .symbol == "lock_session")' "$J" >/dev/null ||
	fail "orphaned lock: $(jq -c .deadlocks "$J")"
expect_edge waiter-1 mutex lock_session "tid:$dead"
expect_edge waiter-2 mutex lock_session "tid:$dead"
jq -e '[.threads[] | select(.name | startswith("waiter-")) | .wait.owner_pid] == [-1, -1]' "$J" >/dev/null ||
	fail "owner_pid of the dead owner is not -1"
expect_noise_quiet
