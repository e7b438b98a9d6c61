#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A thread holding lock_state joins a thread that waits for lock_state:
# a cycle through a join edge (the joined thread is the owner).
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
start_fixture lock-join
wait_futex_blocked "$FIX_PID" 2
snapshot "$FIX_PID"
expect_rc 2
expect_deadlocks cycle 1
expect_deadlocked joiner worker
expect_edge worker mutex lock_state joiner
w=$(tid_of joiner)
o=$(tid_of worker)
jq -e --argjson w "$w" --argjson o "$o" '[.deadlocks[].edges[] |
	select(.waiter_tid == $w and .owner_tid == $o and .kind == "join")] | length == 1' "$J" >/dev/null ||
	fail "no join edge joiner -> worker: $(jq -c .deadlocks "$J")"
expect_noise_quiet
