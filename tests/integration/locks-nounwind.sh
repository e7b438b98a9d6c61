#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Verdicts from the futex word and the copied memory alone: with
# --no-unwind there are no frames to tell a reader from a writer or a
# condvar from a semaphore, and the answers must not change.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"

# start NAME ARGS...: a fresh fixture (the previous one is killed at exit)
start_fixture lock-rwlock
wait_futex_blocked "$FIX_PID" 2
snapshot "$FIX_PID" --no-unwind
expect_rc 2
expect_deadlocked writer reader
expect_edge writer mutex lock_index reader
expect_edge reader rwlock_read rw_table writer

start_fixture lock-cxx shared
wait_futex_blocked "$FIX_PID" 2
snapshot "$FIX_PID" --no-unwind
expect_rc 2
expect_edge cxx-a rwlock_read smtx_b cxx-b
expect_edge cxx-b rwlock_write smtx_a cxx-a

start_fixture lock-attr pi
wait_futex_blocked "$FIX_PID" 2
snapshot "$FIX_PID" --no-unwind
expect_rc 2
expect_edge left mutex "pair_locks[1]" right
expect_edge right mutex "pair_locks[0]" left

start_fixture lock-join
wait_futex_blocked "$FIX_PID" 2
snapshot "$FIX_PID" --no-unwind
expect_rc 2
expect_deadlocked joiner worker

# (a long --stuck: "waiting", not "stuck", however slow the capture is)
start_fixture lock-recursive
wait_futex_blocked "$FIX_PID" 2
snapshot "$FIX_PID" --no-unwind --stuck 3600
expect_rc 0
expect_wait visitor mutex lock_tree owner waiting
expect_wait owner semaphore sem_go null waiting

start_fixture lock-condvar
wait_futex_blocked "$FIX_PID" 1
snapshot "$FIX_PID" --no-unwind --stuck 3600
expect_rc 0
expect_wait consumer condvar cond_ready null waiting
jq -e '.threads[] | select(.name == "consumer") | .wait.mutex_symbol == "lock_queue"' "$J" >/dev/null ||
	fail "condvar's mutex not found without frames"
