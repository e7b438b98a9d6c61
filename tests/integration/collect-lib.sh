# SPDX-License-Identifier: GPL-2.0-or-later
# collect-lib.sh - helpers shared by the capture tests (collect-*.sh).
# Sourced after lib.sh.

# HOLD_SCALE: how much longer things take under a wrapper (valgrind)
if [ -n "${CDL_WRAPPER:-}" ]; then HOLD_SCALE=10; else HOLD_SCALE=1; fi

# states PID: the state letters of every thread of PID, one word
states() {
	cat /proc/"$1"/task/*/stat 2>/dev/null | sed -E 's/^[0-9]+ \(.*\) (.) .*/\1/' | tr -d '\n'
}

# wait_frozen PID: wait until cdeadlock holds PID (see
# CDEADLOCK_TEST_HOLD_MS): with --global-freeze every thread is in a
# ptrace stop (state t); in the per-thread mode the main thread (which
# it captures first) is.
wait_frozen() {
	local pid=$1 deadline=$((SECONDS + 30 * HOLD_SCALE)) st
	while :; do
		st=$(states "$pid")
		if [ "$MODE" = per-thread ]; then
			case $(sed -E 's/^[0-9]+ \(.*\) (.) .*/\1/' /proc/"$pid"/stat 2>/dev/null) in
			t) return 0 ;;
			esac
		else
			case $st in
			*[!t]*|"") ;;
			*) return 0 ;;
			esac
		fi
		kill -0 "$pid" 2>/dev/null || fail "target $pid died while we waited for the freeze"
		[ $SECONDS -lt $deadline ] || fail "target $pid not frozen within $((30 * HOLD_SCALE)) s (states $st)"
		sleep 0.01
	done
}

# wait_running PID: like assert_running, polling with a deadline (the
# kernel detaches a dead tracer's tracees asynchronously).
wait_running() {
	local pid=$1 deadline=$((SECONDS + 10))
	while :; do
		if (assert_running "$pid") 2>/dev/null; then
			return 0
		fi
		[ $SECONDS -lt $deadline ] || assert_running "$pid"
		sleep 0.02
	done
}

# start_cdl_bg ARGS...: start cdeadlock in the background; CDL_PID, output
# in $TEST_TMP/bg.out and bg.err.
start_cdl_bg() {
	${CDL_WRAPPER:-} "$CDEADLOCK" "${MODE_ARGS[@]}" "$@" >"$TEST_TMP/bg.out" 2>"$TEST_TMP/bg.err" &
	CDL_PID=$!
	FIXTURE_PIDS+=("$CDL_PID")    # killed at exit too, should the test fail
}

# check_error_output: stderr of the last run_cdl is one "cdeadlock: ..."
# line, optionally followed by one "cdeadlock: hint: ..." line.
check_error_output() {
	local err=$TEST_TMP/err n
	n=$(grep -vc '^==[0-9]*==' "$err")    # valgrind's own lines aside
	[ "$n" -ge 1 ] && [ "$n" -le 2 ] || fail "expected 1 or 2 lines on stderr, got $n: $(cat "$err")"
	grep -v '^==[0-9]*==' "$err" | head -1 | grep -q '^cdeadlock: ' ||
		fail "first stderr line is not 'cdeadlock: ...': $(cat "$err")"
	if [ "$n" = 2 ]; then
		grep -v '^==[0-9]*==' "$err" | sed -n 2p | grep -q '^cdeadlock: hint: ' ||
			fail "second stderr line is not a hint: $(cat "$err")"
	fi
}
