#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# C++ std::mutex taken in opposite order by two std::threads.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
start_fixture lock-cxx mutex
wait_futex_blocked "$FIX_PID" 2
snapshot "$FIX_PID"
expect_rc 2
expect_deadlocks cycle 1
expect_deadlocked cxx-a cxx-b
expect_edge cxx-a mutex mtx_b cxx-b
expect_edge cxx-b mutex mtx_a cxx-a
expect_noise_quiet
