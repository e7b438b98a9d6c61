#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A thread that wakes during a per-thread capture is in no cycle.  The
# capture pauses right after copying "first" (waiting for lock_b, held by
# "second") through the test hook CDEADLOCK_TEST_HOOK=pause-after:TID
# (HACKING); the test then lets "second" release lock_b and wait for
# lock_a, which "first" keeps while it runs on.  Copied one at a time the
# two look like a cycle; "first" must be "moved during the capture", and
# the verdict no deadlock.  Then the global freeze says the same.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/collect-lib.sh"
need_jq

start_fixture lock-wake
wait_futex_blocked "$FIX_PID" 1
tid_named() { grep -lx "$1" /proc/"$FIX_PID"/task/*/comm | cut -d/ -f5; }
a=$(tid_named first)
b=$(tid_named second)
[ -n "$a" ] && [ -n "$b" ] || fail "threads first/second not found"
[ "$a" -lt "$b" ] || skip "tid of first ($a) above second's ($b): the capture order differs"

# the hook: cdeadlock opens the FIFO after releasing "first" and reads
# until the writer (below) closes it
fifo=$TEST_TMP/hook
mkfifo "$fifo"
(
	exec 3>"$fifo"
	: >"$TEST_TMP/paused"
	until [ -e "$TEST_TMP/go" ]; do sleep 0.02; done
	echo go >&3
) &
FIXTURE_PIDS+=("$!")
set_mode per-thread
CDEADLOCK_TEST_HOOK=pause-after:$a CDEADLOCK_TEST_FIFO=$fifo start_cdl_bg -p "$FIX_PID" --json
deadline=$((SECONDS + 60 * HOLD_SCALE))
until [ -e "$TEST_TMP/paused" ]; do
	kill -0 "$CDL_PID" 2>/dev/null || fail "cdeadlock ended before the hook: $(cat "$TEST_TMP/bg.err")"
	[ $SECONDS -lt $deadline ] || fail "cdeadlock never reached the hook"
	sleep 0.02
done
# "first" was copied waiting for lock_b: now it wakes
kill -USR1 "$FIX_PID"
deadline=$((SECONDS + 30))
until grep -q '^first runs' "$FIX_OUT" && grep -q '^202 ' /proc/"$FIX_PID"/task/"$b"/syscall 2>/dev/null; do
	[ $SECONDS -lt $deadline ] || fail "the fixture did not move: $(cat "$FIX_OUT")"
	sleep 0.02
done
: >"$TEST_TMP/go"
set +e
wait "$CDL_PID"
RC=$?
set +e
J=$TEST_TMP/bg.out
[ "$RC" = 0 ] || fail "exit status $RC (a false deadlock?): $(jq -c .deadlocks "$J") $(cat "$TEST_TMP/bg.err")"
jq -e '.capture_mode == "per-thread" and (.deadlocks | length) == 0' "$J" >/dev/null ||
	fail "deadlocks: $(jq -c '{capture_mode, deadlocks}' "$J")"
jq -e --argjson a "$a" '.threads[] | select(.tid == $a) |
	.wait_stable == false and (.verdict == "moved" or .wait == null)' "$J" >/dev/null ||
	fail "first: $(jq -c --argjson a "$a" '.threads[] | select(.tid == $a) | {verdict, wait_stable, wait}' "$J")"
# "second" was copied (again) waiting for lock_a, held by "first"; it is
# proven unless a loaded machine kept it from going back to sleep in time
jq -e --argjson a "$a" --argjson b "$b" '.threads[] | select(.tid == $b) |
	.wait.kind == "mutex" and .wait.symbol == "lock_a" and .wait.owner_tid == $a and
	((.wait_stable and .verdict == "waiting") or (.wait_stable == false and .verdict == "moved"))' \
	"$J" >/dev/null ||
	fail "second: $(jq -c --argjson b "$b" '.threads[] | select(.tid == $b) | {verdict, wait_stable, wait}' "$J")"
assert_running "$FIX_PID"
note "first ($a) $(jq -r --argjson a "$a" '.threads[] | select(.tid == $a) | .verdict' "$J"), second ($b) waits for lock_a held by first"

# the global freeze copies both at one instant: no cycle either
set_mode global-freeze
run_cdl -p "$FIX_PID" --json
expect_rc 0
assert_running "$FIX_PID"
kill -USR2 "$FIX_PID"
exit 0
