#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# No false verdicts under movement: a busy target (lock-busy, 200
# threads that take and release mutexes and rwlocks in one order, wait on
# condition variables and semaphores, create and join threads; a CPU
# budget keeps it to a quarter of a core) never deadlocks, so no capture
# in either mode may report a deadlock, an orphaned lock or a thread
# behind one.  (Exit status 3 is allowed: on a loaded machine a busy
# thread can wait past --stuck for a lock its libc records no owner of.)  bench/movement.sh runs the full size (1,000 threads, 100
# captures per mode).
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/collect-lib.sh"
need_jq

N=${MOVEMENT_CAPTURES:-20}
export CDEADLOCK_STATE_DIR=$TEST_TMP/state
start_fixture lock-busy 200
for m in $CDL_MODES; do
	set_mode "$m"
	moved=0 waits=0 undecided=0
	for i in $(seq "$N"); do
		run_cdl -p "$FIX_PID" --json --no-unwind
		assert_running "$FIX_PID"
		J=$TEST_TMP/out
		[ "$RC" = 0 ] || [ "$RC" = 3 ] ||
			fail "$m capture $i: exit status $RC: $(jq -c .deadlocks "$J" 2>/dev/null | head -c 600) $(cat "$TEST_TMP/err")"
		[ "$RC" = 3 ] && undecided=$((undecided + 1))
		jq -e --arg m "$m" '.capture_mode == $m and (.deadlocks | length) == 0 and
			all(.threads[]; .verdict != "deadlocked" and .verdict != "orphaned" and
			    .verdict != "behind")' "$J" >/dev/null ||
			fail "$m capture $i: false verdict: $(jq -c '.deadlocks, [.threads[] | select(.verdict == "behind" or .verdict == "orphaned") | {tid, verdict, wait}]' "$J" | head -c 800)"
		moved=$((moved + $(jq '[.threads[] | select(.verdict == "moved")] | length' "$J")))
		waits=$((waits + $(jq '[.threads[] | select(.wait != null)] | length' "$J")))
	done
	note "$m: $N captures, no false verdict; $moved of $waits waits moved during the capture; $undecided undecided (exit 3)"
done
exit 0
