# SPDX-License-Identifier: GPL-2.0-or-later
# tests/lib.sh - helpers sourced by the integration tests (bash).
#
# Fixture protocol: a fixture program prints "ready" on a line of its
# stdout once it has reached its state, then waits (forever, or until
# killed).  start_fixture starts it, waits for that line with a deadline,
# and registers a trap so the fixture is always killed.
#
# Environment (set by make check, see Makefile.am): CDEADLOCK, FIXTURES,
# TESTS_SRCDIR, TOP_SRCDIR, TOP_BUILDDIR, GDB, TMUX, VALGRIND.
# CDL_WRAPPER, when set, prefixes every cdeadlock run (e.g. valgrind).

set -u

# the sanitizer build: leaks inside the libraries we use are theirs
# (tests/lsan.supp says which, and why)
export LSAN_OPTIONS="suppressions=$TESTS_SRCDIR/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

: "${CDEADLOCK:=$(pwd)/src/cdeadlock}"
: "${FIXTURES:=$(pwd)/tests/fixtures}"

TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/cdl-test.XXXXXX")
FIXTURE_PIDS=()

cleanup() {
	local p
	for p in "${FIXTURE_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	for p in "${FIXTURE_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$TEST_TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

skip() {
	echo "SKIP: $*" >&2
	exit 77
}

note() {
	echo "# $*"
}

# start_fixture NAME [ARGS...]: start $FIXTURES/NAME, wait for "ready".
start_fixture() {
	local name=$1
	shift
	[ -x "$FIXTURES/$name" ] || fail "fixture $FIXTURES/$name not built"
	start_program "$name" "$FIXTURES/$name" "$@"
}

# start_program LABEL COMMAND [ARGS...]: start a test-owned program (killed
# at exit like the fixtures), set FIX_PID and FIX_OUT, wait for "ready".
start_program() {
	local name=$1
	shift
	FIX_OUT=$TEST_TMP/$name.$RANDOM.out
	"$@" >"$FIX_OUT" 2>&1 &
	FIX_PID=$!
	FIXTURE_PIDS+=("$FIX_PID")
	local deadline=$((SECONDS + 120))
	while ! grep -q '^ready' "$FIX_OUT" 2>/dev/null; do
		kill -0 "$FIX_PID" 2>/dev/null || fail "fixture $name exited early: $(cat "$FIX_OUT")"
		[ $SECONDS -lt $deadline ] || fail "fixture $name not ready within 120 s"
		sleep 0.02
	done
}

# thread_states PID: print "tid state" for each thread (one pass over
# /proc, no process per thread: fixtures have thousands).
thread_states() {
	# the state follows the ") " that closes comm; a thread that exits
	# meanwhile is left out
	grep -H '' /proc/"$1"/task/*/stat 2>/dev/null |
		sed -E 's|^/proc/[0-9]+/task/([0-9]+)/stat:.*\) (.) .*|\1 \2|'
}

# wait_futex_blocked PID N: wait until at least N threads of PID sleep in
# a futex syscall (so a fixture's deadlock has really formed).
wait_futex_blocked() {
	local pid=$1 n=$2 deadline=$((SECONDS + 120)) count
	while :; do
		count=$(cat /proc/"$pid"/task/*/syscall 2>/dev/null | grep -c '^202 ')
		[ "$count" -ge "$n" ] && return 0
		[ $SECONDS -lt $deadline ] || fail "only $count of $n threads of $pid blocked in futex"
		sleep 0.02
	done
}

# assert_running PID: no thread stopped (t/T) and no tracer attached.
# One pass over /proc for all threads (no process per thread).
assert_running() {
	local pid=$1 bad
	kill -0 "$pid" 2>/dev/null || fail "target $pid is gone"
	bad=$(thread_states "$pid" | awk -v pid="$pid" '$2 == "t" || $2 == "T" {
		print "thread " $1 " of " pid " left in state " $2; exit }')
	[ -z "$bad" ] || fail "$bad"
	bad=$(grep -H '^TracerPid:' /proc/"$pid"/task/*/status 2>/dev/null |
		awk -v pid="$pid" '$2 != 0 { split($1, p, "/");
		print "thread " p[5] " of " pid " still traced by " $2; exit }')
	[ -z "$bad" ] || fail "$bad"
}

# Capture modes.  CDL_MODES (default: both) lists the modes a test that
# loops over them runs in; set_mode MODE makes run_cdl and start_cdl_bg
# capture in MODE (per-thread, the default, or global-freeze).
CDL_MODES=${CDL_MODES:-per-thread global-freeze}
MODE=per-thread
MODE_ARGS=()
set_mode() {
	MODE=$1
	case $1 in
	per-thread) MODE_ARGS=() ;;
	global-freeze) MODE_ARGS=(--global-freeze) ;;
	*) fail "unknown capture mode $1" ;;
	esac
	note "capture mode: $1"
}

# run_cdl ARGS...: run cdeadlock (in the mode of set_mode); stdout to
# $TEST_TMP/out, stderr to $TEST_TMP/err; sets RC.
run_cdl() {
	set +e
	${CDL_WRAPPER:-} "$CDEADLOCK" "${MODE_ARGS[@]}" "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	RC=$?
	set -e 2>/dev/null; set +e
}

# expect_rc N: RC must be N.
expect_rc() {
	[ "$RC" = "$1" ] || fail "exit status $RC, expected $1; stderr: $(cat "$TEST_TMP/err")"
}

# jq is used to read JSON output.
need_jq() {
	command -v jq >/dev/null 2>&1 || skip "jq not installed"
}
