#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# C++ std::shared_mutex: cxx-a holds smtx_a exclusively and wants smtx_b
# shared; cxx-b holds smtx_b exclusively and wants smtx_a exclusively.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
start_fixture lock-cxx shared
wait_futex_blocked "$FIX_PID" 2
snapshot "$FIX_PID"
expect_rc 2
expect_deadlocks cycle 1
expect_deadlocked cxx-a cxx-b
expect_edge cxx-a rwlock_read smtx_b cxx-b
expect_edge cxx-b rwlock_write smtx_a cxx-a
expect_noise_quiet
