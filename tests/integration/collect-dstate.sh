#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A thread in uninterruptible sleep (a vfork parent) cannot stop: the
# capture gives up on it after a short grace, reports it, and the target
# is left running with no tracer once cdeadlock exits.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/collect-lib.sh"
need_jq

for m in $CDL_MODES; do
	set_mode "$m"
	start_fixture collect-target -v
	deadline=$((SECONDS + 20))
	until grep -qx vforker /proc/"$FIX_PID"/task/*/comm 2>/dev/null &&
		[ "$(states "$FIX_PID" | tr -cd D)" = D ]; do
		[ $SECONDS -lt $deadline ] || fail "no thread in state D: $(states "$FIX_PID")"
		sleep 0.02
	done
	run_cdl -p "$FIX_PID" --json
	expect_rc 0
	J=$TEST_TMP/out
	jq -e '[.warnings[] | select(test("did not stop"))] | length == 1' "$J" >/dev/null ||
		fail "no warning: $(jq -c .warnings "$J")"
	jq -e '.threads[] | select(.name == "vforker") | .state == "D" and .unwind_error != null' "$J" >/dev/null ||
		fail "vforker: $(jq -c '.threads[]|select(.name=="vforker")' "$J")"
	jq -e '.threads[] | select(.name == "sleeper") | (.frames | length) > 0' "$J" >/dev/null ||
		fail "the other threads lost their stacks"
	# cdeadlock has exited: the kernel detached the thread it could not stop
	wait_running "$FIX_PID"
done
exit 0
