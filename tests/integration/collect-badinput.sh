#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Bad targets and bad command lines: exit status 1, one "cdeadlock: ..."
# line on stderr (plus an optional hint), never a crash.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/collect-lib.sh"

bad() {
	local what=$1
	shift
	run_cdl "$@"
	[ "$RC" = 1 ] || fail "$what: exit status $RC, expected 1; stderr: $(cat "$TEST_TMP/err")"
	check_error_output
	[ ! -s "$TEST_TMP/out" ] || fail "$what: printed on stdout: $(cat "$TEST_TMP/out")"
	note "$what: $(head -1 "$TEST_TMP/err")"
}

bad "no pid" --json
bad "-p without a value" -p
bad "pid 0" -p 0 --json
bad "pid not a number" -p abc --json
bad "negative pid" -p -5 --json
bad "unknown option" --no-such-option -p 1

# a pid that no longer exists: a process we started and reaped
true &
gone=$!
wait "$gone"
bad "nonexistent pid" -p "$gone" --json
grep -q "no such process $gone" "$TEST_TMP/err" || fail "no 'no such process $gone': $(cat "$TEST_TMP/err")"

# our own pid: exec keeps the shell's pid
set +e
${CDL_WRAPPER:-} sh -c 'exec "$0" -p $$ --json' "$CDEADLOCK" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
RC=$?
set -e 2>/dev/null; set +e
[ "$RC" = 1 ] || fail "own pid: exit status $RC; stderr: $(cat "$TEST_TMP/err")"
check_error_output
grep -q ourselves "$TEST_TMP/err" || fail "own pid: $(cat "$TEST_TMP/err")"
note "own pid: $(head -1 "$TEST_TMP/err")"

# a kernel thread: kthreadd is pid 2 on a normal kernel
if [ -r /proc/2/stat ] && grep -q '(kthreadd)' /proc/2/stat; then
	bad "kernel thread" -p 2 --json
	grep -q 'kernel thread' "$TEST_TMP/err" || fail "pid 2: $(cat "$TEST_TMP/err")"
else
	note "no kthreadd at pid 2 (container?): kernel thread case skipped"
fi

# a zombie: the background child of a shell that execs into sleep is never
# reaped while sleep runs
sh -c 'sleep 0 & exec sleep 60' &
parent=$!
FIXTURE_PIDS+=("$parent")
zombie=
deadline=$((SECONDS + 10))
while [ -z "$zombie" ]; do
	for c in $(cat /proc/"$parent"/task/"$parent"/children 2>/dev/null); do
		grep -q ') Z ' /proc/"$c"/stat 2>/dev/null && zombie=$c
	done
	[ $SECONDS -lt $deadline ] || fail "no zombie appeared"
	[ -n "$zombie" ] || sleep 0.02
done
bad "zombie" -p "$zombie" --json
grep -q zombie "$TEST_TMP/err" || fail "zombie: $(cat "$TEST_TMP/err")"

# a thread id instead of a process id
start_fixture collect-target
tid=$(ls /proc/"$FIX_PID"/task | grep -vx "$FIX_PID" | head -1)
bad "thread id" -p "$tid" --json
grep -q "use -p $FIX_PID" "$TEST_TMP/err" || fail "thread id: no hint: $(cat "$TEST_TMP/err")"
assert_running "$FIX_PID"
exit 0
