#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A condvar nobody signals: the consumer is idle (with --stuck short),
# never stuck or deadlocked; the wait names the condvar and its mutex;
# exit 0.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
start_fixture lock-condvar
wait_futex_blocked "$FIX_PID" 1
deadline=$((SECONDS + 120))
while :; do
	snapshot "$FIX_PID" --stuck 0.2
	expect_rc 0
	[ "$(jq -r '.threads[] | select(.name == "consumer") | .verdict' "$J")" = idle ] && break
	[ $SECONDS -lt $deadline ] || fail "consumer never reported idle: $(jq -c '.threads[] | select(.name == "consumer") | {verdict, blocked_for_ms, wait}' "$J")"
	sleep 0.1
done
expect_deadlocks cycle 0
expect_wait consumer condvar cond_ready null idle
jq -e '.threads[] | select(.name == "consumer") | .wait.mutex_symbol == "lock_queue" and .blocked_for_ms >= 200' "$J" >/dev/null ||
	fail "condvar wait lacks its mutex or duration: $(jq -c '.threads[] | select(.name == "consumer")' "$J")"
c=$(tid_of consumer)
jq -e --argjson c "$c" '.stuck == [] and (.idle | index($c)) != null' "$J" >/dev/null ||
	fail "stuck and idle lists: $(jq -c '{stuck, idle}' "$J")"
expect_noise_quiet
run_cdl -p "$FIX_PID" --dump --stuck 0.2
grep -q '^Idle threads' "$TEST_TMP/out" || fail "no idle section in the text dump"
if grep -q '^Stuck threads' "$TEST_TMP/out"; then
	fail "a condvar waiter listed as stuck"
fi
