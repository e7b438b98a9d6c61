#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# No false positives: 1000 threads that take nested locks in one order,
# rwlocks, condvars, semaphores, joins and sleeps, snapshotted five times:
# never a deadlock, never an orphaned lock, exit 0 every time.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
start_fixture lock-busy 1000
for i in 1 2 3 4 5; do
	snapshot "$FIX_PID"
	expect_rc 0
	n=$(jq '.threads | length' "$J")
	[ "$n" -ge 1000 ] || fail "snapshot $i has only $n threads"
	jq -e '(.deadlocks | length) == 0 and
		all(.threads[]; .verdict != "deadlocked" and .verdict != "orphaned" and .verdict != "behind")' "$J" >/dev/null ||
		fail "false positive in snapshot $i: $(jq -c .deadlocks "$J")"
	note "snapshot $i: $n threads, $(jq '[.threads[] | select(.wait.kind == "mutex" or .wait.kind == "rwlock_read" or .wait.kind == "rwlock_write")] | length' "$J") lock waits, $(jq '[.threads[] | select(.wait.owner_tid != null)] | length' "$J") with an owner"
	sleep 0.3
done
