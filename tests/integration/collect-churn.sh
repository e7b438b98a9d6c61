#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Threads created and exiting while the process is frozen: every capture
# succeeds, holds the long-lived threads, and leaves the target running.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/collect-lib.sh"
need_jq

for m in $CDL_MODES; do
	set_mode "$m"
	start_fixture collect-target -c -S
	for i in 1 2 3 4 5 6 7 8; do
		run_cdl -p "$FIX_PID" --json
		expect_rc 0
		assert_running "$FIX_PID"
		J=$TEST_TMP/out
		# (threads the churner creates inherit its name until they exit)
		jq -e '[.threads[] | select(.name == "churn")] | length >= 1' "$J" >/dev/null ||
			fail "capture $i: thread churn missing"
		for name in collect-target holder blocked0 cond0 sleeper spinner; do
			jq -e --arg n "$name" '[.threads[] | select(.name == $n)] | length == 1' "$J" >/dev/null ||
				fail "capture $i: thread $name missing: $(jq -c "[.threads[].name]" "$J" | head -c 400) $(jq -c .warnings "$J")"
		done
		# every thread in the snapshot was stopped: it has registers, hence
		# a stack or a reason why not
		jq -e '[.threads[] | select((.frames | length) == 0 and .unwind_error == null)] | length == 0' "$J" >/dev/null ||
			fail "capture $i: a thread without stack or reason"
		# tids are unique
		jq -e '[.threads[].tid] | length == (unique | length)' "$J" >/dev/null || fail "duplicate tids"
		note "capture $i: $(jq '.threads|length' "$J") threads, pause $(jq .pause_us "$J") us"
	done
done
exit 0
