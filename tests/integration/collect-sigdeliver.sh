#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A signal sent to the target while it is frozen is delivered after the
# thaw (the fixture prints "usr1 N" from its SIGUSR1 handler).  In the
# per-thread mode only the main thread is held: the first signal is sent
# to it alone (tgkill), and runs once it is let go.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/collect-lib.sh"

for m in $CDL_MODES; do
	set_mode "$m"
	start_fixture collect-target
	CDEADLOCK_TEST_HOLD_MS=$((3000 * HOLD_SCALE)) start_cdl_bg -p "$FIX_PID" --json
	wait_frozen "$FIX_PID"
	if [ "$MODE" = per-thread ]; then
		# tgkill(2) (x86-64 number 234), SIGUSR1 = 10
		perl -e 'exit(syscall(234, $ARGV[0] + 0, $ARGV[0] + 0, 10) == 0 ? 0 : 1)' "$FIX_PID" ||
			fail "tgkill failed"
	else
		kill -USR1 "$FIX_PID"
	fi
	# a thread-directed one too, to a thread that waits on a mutex
	tid=$(grep -l '^blocked0$' /proc/"$FIX_PID"/task/*/comm | head -1 | cut -d/ -f5)
	[ -n "$tid" ] || fail "no blocked0 thread"
	grep -q '^usr1' "$FIX_OUT" && fail "handler ran while the target was frozen"
	set +e
	wait "$CDL_PID"
	rc=$?
	set +e
	[ "$rc" = 0 ] || fail "cdeadlock exit $rc: $(cat "$TEST_TMP/bg.err")"
	deadline=$((SECONDS + 10))
	until grep -q '^usr1 1$' "$FIX_OUT"; do
		[ $SECONDS -lt $deadline ] || fail "SIGUSR1 never delivered: $(cat "$FIX_OUT")"
		sleep 0.02
	done
	assert_running "$FIX_PID"

	# signals of the same kind queued while frozen merge into one, as for
	# any stopped process; a second capture delivers the next one
	CDEADLOCK_TEST_HOLD_MS=$((3000 * HOLD_SCALE)) start_cdl_bg -p "$FIX_PID" --json --no-unwind
	wait_frozen "$FIX_PID"
	kill -USR1 "$tid" 2>/dev/null || kill -USR1 "$FIX_PID"
	wait "$CDL_PID"
	deadline=$((SECONDS + 10))
	until grep -q '^usr1 2$' "$FIX_OUT"; do
		[ $SECONDS -lt $deadline ] || fail "second SIGUSR1 never delivered: $(cat "$FIX_OUT")"
		sleep 0.02
	done
	assert_running "$FIX_PID"
done
exit 0
