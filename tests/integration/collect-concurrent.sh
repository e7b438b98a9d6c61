#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Two captures of one process at once: the second waits for the first
# (which holds the threads only while it copies) instead of failing with
# "already traced", both succeed, and the target runs afterwards.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/collect-lib.sh"

for m in $CDL_MODES; do
	set_mode "$m"
	start_fixture collect-target
	# the first capture keeps the target frozen for a second
	CDEADLOCK_TEST_HOLD_MS=1000 ${CDL_WRAPPER:-} "$CDEADLOCK" "${MODE_ARGS[@]}" -p "$FIX_PID" --json \
		>"$TEST_TMP/first.json" 2>"$TEST_TMP/first.err" &
	first=$!
	FIXTURE_PIDS+=("$first")
	deadline=$((SECONDS + 60))
	until [ "$(awk '/^TracerPid:/ {print $2}' /proc/"$FIX_PID"/status)" = "$first" ]; do
		kill -0 "$first" 2>/dev/null || fail "first capture ended before it attached: $(cat "$TEST_TMP/first.err")"
		[ $SECONDS -lt $deadline ] || fail "first capture did not attach"
		sleep 0.01
	done
	# the second starts while the first holds the target
	run_cdl -p "$FIX_PID" --json
	expect_rc 0
	wait "$first"
	rc1=$?
	[ "$rc1" = 0 ] || fail "first capture: exit status $rc1: $(cat "$TEST_TMP/first.err")"
	n1=$(jq '.threads | length' "$TEST_TMP/first.json")
	n2=$(jq '.threads | length' "$TEST_TMP/out")
	[ "$n1" -ge 2 ] && [ "$n1" = "$n2" ] || fail "thread counts differ: $n1 and $n2"
	assert_running "$FIX_PID"
	note "both captures saw $n1 threads"
done
exit 0
