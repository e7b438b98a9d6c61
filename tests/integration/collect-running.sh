#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A normal capture: exit 0, the JSON describes every thread, the target
# runs again afterwards, and off-CPU time is measured.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/collect-lib.sh"
need_jq

for m in $CDL_MODES; do
	set_mode "$m"
	start_fixture collect-target -n 2
	ready_ns=$(date +%s%N)
	wait_futex_blocked "$FIX_PID" 4
	sleep 1.5
	run_ns=$(date +%s%N)

	run_cdl -p "$FIX_PID" --json
	expect_rc 0
	assert_running "$FIX_PID"
	J=$TEST_TMP/out
	jq -e . "$J" >/dev/null || fail "not JSON"

	ntask=$(ls /proc/"$FIX_PID"/task | wc -l)
	[ "$(jq '.threads | length' "$J")" = "$ntask" ] || fail "threads: $(jq '.threads|length' "$J"), /proc has $ntask"
	jq -e --argjson p "$FIX_PID" '.pid == $p and .pause_us > 0 and (.captured_at | test("^[0-9-]+T[0-9:.]+Z$"))' "$J" >/dev/null ||
		fail "pid/pause_us/captured_at: $(jq -c '{pid,pause_us,captured_at}' "$J")"
	jq -e '.exe | endswith("/collect-target")' "$J" >/dev/null || fail "exe: $(jq .exe "$J")"
	for name in collect-target holder blocked0 blocked1 cond0 cond1 sleeper; do
		jq -e --arg n "$name" '[.threads[] | select(.name == $n)] | length == 1' "$J" >/dev/null ||
			fail "thread $name missing"
	done
	# every thread was stopped in a syscall, sleeping, with a stack
	jq -e '[.threads[] | select(.state != "S")] | length == 0' "$J" >/dev/null ||
		fail "states: $(jq -c '[.threads[]|.state]' "$J")"
	jq -e '[.threads[] | select((.frames | length) == 0)] | length == 0' "$J" >/dev/null ||
		fail "a thread has no frames"
	jq -e '.threads[] | select(.name == "blocked0") | .syscall.nr == 202' "$J" >/dev/null ||
		fail "blocked0 not in futex: $(jq -c '.threads[]|select(.name=="blocked0")|.syscall' "$J")"
	jq -e '.threads[] | select(.name == "sleeper") | [.frames[].function] | index("sleeper") != null' "$J" >/dev/null ||
		fail "sleeper frame missing: $(jq -c '.threads[]|select(.name=="sleeper")|[.frames[].function]' "$J")"
	# off-CPU time: the sleeper went to sleep right after "ready" (give it
	# 300 ms to get there) and slept until the capture: a lower bound that a
	# slow machine cannot break
	min_ms=$(( (run_ns - ready_ns) / 1000000 - 300 ))
	jq -e --argjson m "$min_ms" '.threads[] | select(.name == "sleeper") | .blocked_for_ms >= $m' "$J" >/dev/null ||
		fail "sleeper blocked_for_ms $(jq '.threads[]|select(.name=="sleeper")|.blocked_for_ms' "$J") < $min_ms"

	# --no-unwind: same threads, no frames
	run_cdl -p "$FIX_PID" --json --no-unwind
	expect_rc 0
	assert_running "$FIX_PID"
	jq -e '[.threads[] | select((.frames | length) > 0)] | length == 0' "$TEST_TMP/out" >/dev/null ||
		fail "--no-unwind left frames"

	# a text dump too
	run_cdl -p "$FIX_PID" --dump
	expect_rc 0
	assert_running "$FIX_PID"
	grep -q 'sleeper' "$TEST_TMP/out" || fail "dump without the sleeper"

	# the pause must not have eaten the target's state: it still waits
	wait_futex_blocked "$FIX_PID" 4
done
exit 0
