#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Our priority during a capture (src/collect/prio.c): outside the holds
# we run at SCHED_IDLE, so the target's threads take our CPU at once; on
# a CPU kept busy we would crawl at SCHED_IDLE, so once we waited most of
# the time for a CPU we take our normal priority back and finish.  The
# phases note (CDEADLOCK_BENCH_PHASES) says which happened.  The offline
# stage after the release runs at SCHED_IDLE and nice 19: starved there,
# a watcher thread gives it its priority back.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/collect-lib.sh"
need_jq
[ "$(id -u)" = 0 ] || skip "changing our priority back needs root (CAP_SYS_NICE)"
command -v taskset >/dev/null || skip "taskset not installed"
[ -z "${CDEADLOCK_NO_RT:-}" ] || skip "CDEADLOCK_NO_RT is set"

# the first CPU we may run on
cpu=$(awk '/^Cpus_allowed_list/ { print $2 }' /proc/self/status | cut -d, -f1 | cut -d- -f1)

# prio_note: the priority phase note of the last JSON
prio_note() {
	jq -r '.warnings[] | select(startswith("phases: our priority"))' "$TEST_TMP/out"
}

for m in $CDL_MODES; do
	set_mode "$m"
	start_fixture collect-target -n 2
	wait_futex_blocked "$FIX_PID" 4

	# a machine with CPU to spare: SCHED_IDLE outside the holds
	CDEADLOCK_BENCH_PHASES=1 run_cdl -p "$FIX_PID" --json --no-unwind
	expect_rc 0
	assert_running "$FIX_PID"
	prio_note | grep -q '^phases: our priority outside the holds: SCHED_IDLE' ||
		fail "not SCHED_IDLE: $(prio_note)"

	# our CPU kept busy by a thread of normal priority: SCHED_IDLE would
	# get 3/1027 of it; the capture takes its normal priority back.  (The
	# global freeze does next to nothing at SCHED_IDLE here: it may well
	# finish before it has waited 100 ms.)
	if [ "$m" != per-thread ]; then
		kill -KILL "$FIX_PID"
		continue
	fi
	# (taskset execs bash: $! is the burner; it stops by itself after 60 s)
	# A target of 300 threads: the capture checks for starving between
	# threads, and a 7-thread one could wait its 0.6 s in one go after
	# its last check (under the watcher's 1 s)
	kill -KILL "$FIX_PID"
	start_fixture manythreads 300
	taskset -c "$cpu" bash -c 'while [ $SECONDS -lt 60 ]; do :; done' &
	burner=$!
	FIXTURE_PIDS+=("$burner")
	set +e
	CDEADLOCK_BENCH_PHASES=1 taskset -c "$cpu" ${CDL_WRAPPER:-} "$CDEADLOCK" "${MODE_ARGS[@]}" \
		-p "$FIX_PID" --json >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	RC=$?
	kill -KILL "$burner" 2>/dev/null
	wait "$burner" 2>/dev/null
	expect_rc 0
	assert_running "$FIX_PID"
	prio_note | grep -q 'SCHED_IDLE, then normal (starved)' || fail "not starved: $(prio_note)"
	# and the offline stage (SCHED_IDLE, nice 19) got its priority back
	# from the watcher instead of waiting for the burner to end
	jq -e '.warnings | index("phases: the offline stage was starved at SCHED_IDLE: its priority was given back")' \
		"$TEST_TMP/out" >/dev/null || fail "offline stage not given its priority back: $(jq -c .warnings "$TEST_TMP/out")"
	# the snapshot is whole all the same
	[ "$(jq '.threads | length' "$TEST_TMP/out")" = "$(ls /proc/"$FIX_PID"/task | wc -l)" ] ||
		fail "threads: $(jq '.threads | length' "$TEST_TMP/out")"
	kill -KILL "$FIX_PID"
done
exit 0
