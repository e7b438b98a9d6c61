#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A recursive mutex locked twice by its owner, which then waits on a
# semaphore; another thread waits for the mutex.  No self-deadlock: exit 0.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
start_fixture lock-recursive
wait_futex_blocked "$FIX_PID" 2
# (a long --stuck: "waiting", not "stuck", however slow the capture is)
snapshot "$FIX_PID" --stuck 3600
expect_rc 0
expect_deadlocks cycle 0
expect_wait visitor mutex lock_tree owner waiting
expect_flag visitor recursive
expect_wait owner semaphore sem_go null waiting
expect_noise_quiet
