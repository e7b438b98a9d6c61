#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A process-shared mutex held by a thread of another (child) process: the
# waiter's owner is that thread, owner_pid the child; not orphaned, no
# deadlock, exit 0.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
start_fixture lock-pshared
child=$(sed -n 's/^child //p' "$FIX_OUT")
[ -n "$child" ] || fail "fixture did not name its child"
FIXTURE_PIDS+=("$child")
wait_futex_blocked "$FIX_PID" 1
# (a long --stuck: "waiting", not "stuck", however slow the capture is)
snapshot "$FIX_PID" --stuck 3600
expect_rc 0
expect_deadlocks cycle 0
expect_wait waiter mutex null "tid:$child" waiting
expect_flag waiter pshared
jq -e --argjson c "$child" '.threads[] | select(.name == "waiter") | .wait.owner_pid == $c' "$J" >/dev/null ||
	fail "owner_pid is not the child $child: $(jq -c '.threads[] | select(.name == "waiter") | .wait' "$J")"
expect_noise_quiet
