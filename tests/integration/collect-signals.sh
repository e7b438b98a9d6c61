#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# cdeadlock interrupted mid-capture (the target frozen) by SIGINT,
# SIGTERM, SIGHUP or SIGKILL: every thread of the target runs again.
# CDEADLOCK_TEST_HOLD_MS keeps the target frozen long enough.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/collect-lib.sh"

for m in $CDL_MODES; do
	set_mode "$m"
	start_fixture collect-target -n 3
	for sig in INT TERM HUP KILL; do
		CDEADLOCK_TEST_HOLD_MS=600000 start_cdl_bg -p "$FIX_PID" --json
		wait_frozen "$FIX_PID"
		kill -"$sig" "$CDL_PID"
		set +e
		wait "$CDL_PID"
		rc=$?
		set +e
		[ "$rc" -ge 128 ] || fail "SIG$sig: cdeadlock exited with $rc: $(cat "$TEST_TMP/bg.err")"
		wait_running "$FIX_PID"
		note "SIG$sig mid-capture: exit $rc, target running"
		# and it can be captured again
		run_cdl -p "$FIX_PID" --json --no-unwind
		expect_rc 0
		assert_running "$FIX_PID"
	done
done
exit 0
