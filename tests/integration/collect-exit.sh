#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The target dies while frozen: cdeadlock ends promptly with a clean
# message (exit 1) or a partial snapshot (exit 0), never hangs or crashes.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/collect-lib.sh"

for m in $CDL_MODES; do
	set_mode "$m"
	for sig in KILL TERM; do
		start_fixture collect-target
		CDEADLOCK_TEST_HOLD_MS=$((3000 * HOLD_SCALE)) start_cdl_bg -p "$FIX_PID" --json
		wait_frozen "$FIX_PID"
		kill -"$sig" "$FIX_PID"
		# bounded: the hold is 3 s; 60 s (more under valgrind) means a hang
		deadline=$((SECONDS + 60 * HOLD_SCALE))
		while kill -0 "$CDL_PID" 2>/dev/null; do
			if [ $SECONDS -ge $deadline ]; then
				kill -KILL "$CDL_PID"
				fail "SIG$sig: cdeadlock hangs after the target died"
			fi
			sleep 0.05
		done
		set +e
		wait "$CDL_PID"
		rc=$?
		set +e
		case $rc in
		0) note "SIG$sig: partial snapshot" ;;
		1)
			grep -q '^cdeadlock: ' "$TEST_TMP/bg.err" || fail "SIG$sig: exit 1 without a message"
			note "SIG$sig: $(head -1 "$TEST_TMP/bg.err")" ;;
		*) fail "SIG$sig: exit status $rc: $(cat "$TEST_TMP/bg.err")" ;;
		esac
		wait "$FIX_PID" 2>/dev/null
	done
done
exit 0
