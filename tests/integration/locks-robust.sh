#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A cycle of two robust mutexes (owner from the lock word).
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
start_fixture lock-attr robust
wait_futex_blocked "$FIX_PID" 2
snapshot "$FIX_PID"
expect_rc 2
expect_deadlocks cycle 1
expect_deadlocked left right
expect_edge left mutex "pair_locks[1]" right
expect_edge right mutex "pair_locks[0]" left
expect_flag left robust
expect_flag right robust
expect_noise_quiet
