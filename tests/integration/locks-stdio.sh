#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A cycle through a libc-internal lock: the stdio lock of a FILE records
# its holder's struct pthread, which maps back to the printer thread.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
start_fixture lock-stdio
wait_futex_blocked "$FIX_PID" 2
snapshot "$FIX_PID"
expect_rc 2
expect_deadlocks cycle 1
expect_deadlocked printer logger
expect_edge printer mutex lock_log logger
expect_edge logger mutex null printer
expect_flag logger libc_internal
expect_noise_quiet
