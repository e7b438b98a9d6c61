#!/bin/bash
# A writer holds rw_table and waits for lock_index, whose holder wants to
# read rw_table: a cycle through an rwlock_read edge.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
start_fixture lock-rwlock
wait_futex_blocked "$FIX_PID" 2
snapshot "$FIX_PID"
expect_rc 2
expect_deadlocks cycle 1
expect_deadlocked writer reader
expect_edge writer mutex lock_index reader
expect_edge reader rwlock_read rw_table writer
expect_noise_quiet
