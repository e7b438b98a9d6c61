#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The main thread left with pthread_exit (a zombie leader) while the other
# threads run: the capture works through a live thread and shows the
# leader as a zombie without a stack.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/collect-lib.sh"
need_jq

for m in $CDL_MODES; do
	set_mode "$m"
	start_fixture collect-target -x
	deadline=$((SECONDS + 20))
	until grep -q '^[0-9]* (.*) Z ' /proc/"$FIX_PID"/stat; do
		[ $SECONDS -lt $deadline ] || fail "main thread did not exit"
		sleep 0.02
	done
	run_cdl -p "$FIX_PID" --json
	expect_rc 0
	assert_running "$FIX_PID"
	J=$TEST_TMP/out
	jq -e --argjson p "$FIX_PID" '.threads[] | select(.tid == $p) | .state == "Z" and (.frames | length) == 0' "$J" >/dev/null ||
		fail "leader: $(jq -c --argjson p "$FIX_PID" '.threads[]|select(.tid==$p)' "$J")"
	jq -e '.exe | endswith("/collect-target")' "$J" >/dev/null || fail "exe: $(jq .exe "$J")"
	jq -e '.threads[] | select(.name == "sleeper") | [.frames[].function] | index("sleeper") != null' "$J" >/dev/null ||
		fail "sleeper has no stack: $(jq -c '.threads[]|select(.name=="sleeper")' "$J")"
done
exit 0
