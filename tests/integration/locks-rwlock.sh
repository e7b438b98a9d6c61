#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A writer holds rw_table and waits for lock_index, whose holder wants to
# read rw_table: a cycle through an rwlock_read edge.  A latecomer who
# wants lock_index is blocked behind the deadlock, not in it.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
start_fixture lock-rwlock
wait_futex_blocked "$FIX_PID" 3
snapshot "$FIX_PID"
expect_rc 2
expect_deadlocks cycle 1
expect_deadlocked writer reader
expect_edge writer mutex lock_index reader
expect_edge reader rwlock_read rw_table writer
expect_wait latecomer mutex lock_index reader behind
expect_noise_quiet
