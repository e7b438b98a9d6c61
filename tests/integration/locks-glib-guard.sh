#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The GMutex ABBA of locks-glib.sh, each first lock held through a
# g_autoptr(GMutexLocker): a GMutex records no owner, the guard in the
# holder's frame does, so the cycle is proven (exit 2) with owners
# "from its GMutexLocker"; without guards locks-glib.sh stays exit 3.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
[ -x "$FIXTURES/lock-glib-O0" ] ||
	skip "tests/fixtures/lock-glib-O0 not built: configure found no glib-2.0 (install libglib2.0-dev)"

start_fixture lock-glib-O0 locker
wait_futex_blocked "$FIX_PID" 2
snapshot "$FIX_PID"
expect_rc 2
expect_deadlocks cycle 1
expect_deadlocked gtransfer gaudit
expect_edge gtransfer futex 'glocks[1]' gaudit
expect_edge gaudit futex 'glocks[0]' gtransfer
jq -e '[.threads[] | select(.name == "gtransfer" or .name == "gaudit") |
	.wait.owner_source == "guard" and .wait.owner_guard == "GMutexLocker" and
	.wait.detail == "GLib GMutex" and (.held | length == 1) and .held[0].guard == "GMutexLocker"] |
	all' "$J" >/dev/null ||
	fail "owners not from the GMutexLockers: $(jq -c '[.threads[] | {name, wait, held}]' "$J")"
expect_noise_quiet
