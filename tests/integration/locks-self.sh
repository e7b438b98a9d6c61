#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A thread relocks a default mutex it holds: a cycle of one.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
start_fixture lock-self
wait_futex_blocked "$FIX_PID" 1
snapshot "$FIX_PID"
expect_rc 2
expect_deadlocks cycle 1
expect_deadlocked relocker
expect_edge relocker mutex lock_config relocker
expect_noise_quiet
