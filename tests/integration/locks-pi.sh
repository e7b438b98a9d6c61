#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A cycle of two priority-inheritance mutexes: one thread sleeps in
# FUTEX_LOCK_PI, the other was refused with EDEADLK by the kernel and is
# parked by glibc; both edges are found.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
start_fixture lock-attr pi
wait_futex_blocked "$FIX_PID" 2
snapshot "$FIX_PID"
expect_rc 2
expect_deadlocks cycle 1
expect_deadlocked left right
expect_edge left mutex "pair_locks[1]" right
expect_edge right mutex "pair_locks[0]" left
expect_flag left pi
expect_flag right pi
expect_noise_quiet
