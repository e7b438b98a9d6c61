#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# musl's other objects, classified with the kinds the glibc backend uses:
# a rwlock (musl records no writer), a join (the joinee from its
# descriptor), a condvar (a node on the waiter's stack), a recursive
# mutex (owner from the lock word) and a semaphore.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
. "$TESTS_SRCDIR/integration/locks-musl-lib.sh"
need_musl musl-rwlock

# writer holds rw_table for writing and wants lock_index (a default
# mutex); reader holds lock_index and wants to read rw_table: neither
# owner is recorded, exit 3
start_fixture musl-rwlock
wait_futex_blocked "$FIX_PID" 3
snapshot_undecided "$FIX_PID" 3
expect_rc 3
expect_musl
expect_deadlocks cycle 0
expect_unknown_owner writer mutex lock_index "musl normal mutex"
expect_unknown_owner reader rwlock_read rw_table "musl rwlock"
expect_unknown_owner latecomer mutex lock_index "musl normal mutex"
expect_noise_quiet

# joiner holds lock_state and joins worker, which wants lock_state: the
# join names its thread; the mutex's holder is not recorded
start_fixture musl-join
wait_futex_blocked "$FIX_PID" 2
snapshot_undecided "$FIX_PID" 1
expect_rc 3
expect_musl
expect_wait joiner join null worker stuck
expect_unknown_owner worker mutex lock_state "musl normal mutex"

# a condvar nobody signals: a condvar wait, not a lock: exit 0
start_fixture musl-condvar
wait_futex_blocked "$FIX_PID" 1
snapshot "$FIX_PID" --stuck 3600
expect_rc 0
expect_musl
expect_wait consumer condvar null null waiting
jq -e '.threads[] | select(.name == "consumer") | .wait.detail == "musl condition variable"' "$J" >/dev/null ||
	fail "condvar: $(jq -c '.threads[] | select(.name == "consumer") | .wait' "$J")"

# owner locked lock_tree twice and waits on a semaphore; visitor waits
# for lock_tree: owner from the lock word, flag recursive, no cycle
start_fixture musl-recursive
wait_futex_blocked "$FIX_PID" 2
snapshot "$FIX_PID"
expect_rc 0
expect_musl
expect_deadlocks cycle 0
expect_wait visitor mutex lock_tree owner waiting
expect_flag visitor recursive
expect_flag visitor robust no
expect_wait owner semaphore sem_go null waiting
expect_noise_quiet
exit 0
