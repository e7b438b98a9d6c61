#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Five philosophers, each holding forks[i] and wanting forks[i+1]: one
# cycle of five, rotated to start at the smallest tid.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
start_fixture lock-ring
wait_futex_blocked "$FIX_PID" 5
snapshot "$FIX_PID"
expect_rc 2
expect_deadlocks cycle 1
expect_deadlocked philo-0 philo-1 philo-2 philo-3 philo-4
for i in 0 1 2 3 4; do
	expect_edge "philo-$i" mutex "forks[$(( (i + 1) % 5 ))]" "philo-$(( (i + 1) % 5 ))"
done
expect_noise_quiet
