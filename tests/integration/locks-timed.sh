#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A cycle of timed locks (an hour).  The first attach interrupts the
# futex waits; the kernel resumes them as restart_syscall with the futex
# arguments still in the registers: later snapshots see the same cycle,
# with and without frames.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
start_fixture lock-timed
wait_futex_blocked "$FIX_PID" 2
for args in "" "" --no-unwind; do
	snapshot "$FIX_PID" $args
	expect_rc 2
	expect_deadlocks cycle 1
	expect_deadlocked one two
	expect_edge one mutex lock_second two
	expect_edge two mutex lock_first one
	expect_flag one timed
	expect_noise_quiet
done
jq -e '[.threads[] | select(.name == "one" or .name == "two") | .syscall.nr] == [219, 219]' "$J" >/dev/null ||
	note "waits not seen as restart_syscall: $(jq -c '[.threads[] | select(.name == "one" or .name == "two") | .syscall.nr]' "$J")"
