#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A target that another tracer (strace, gdb) holds: the error names the
# tracer's pid and the target is left alone.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/collect-lib.sh"

tracer_of() {
	awk '/^TracerPid:/ {print $2}' /proc/"$1"/status 2>/dev/null
}

tested=0
if command -v strace >/dev/null 2>&1; then
	start_fixture collect-target
	strace -f -qq -p "$FIX_PID" -o /dev/null &
	st=$!
	FIXTURE_PIDS+=("$st")
	deadline=$((SECONDS + 20))
	until [ "$(tracer_of "$FIX_PID")" = "$st" ]; do
		[ $SECONDS -lt $deadline ] || fail "strace did not attach"
		sleep 0.02
	done
	run_cdl -p "$FIX_PID" --json
	expect_rc 1
	check_error_output
	grep -q "already traced by process $st (strace)" "$TEST_TMP/err" ||
		fail "tracer not named: $(cat "$TEST_TMP/err")"
	note "$(head -1 "$TEST_TMP/err")"
	# strace still holds it: we did not disturb it
	[ "$(tracer_of "$FIX_PID")" = "$st" ] || fail "strace lost its tracee"
	kill -TERM "$st"
	wait "$st" 2>/dev/null
	wait_running "$FIX_PID"
	tested=$((tested + 1))
fi

if [ -n "${GDB:-}" ] && command -v "$GDB" >/dev/null 2>&1; then
	start_fixture collect-target
	# gdb holds the target until the file "release" appears, then detaches
	# cleanly at the end of its batch (killing gdb could leave it stopped)
	"$GDB" -q -nx -batch -p "$FIX_PID" \
		-ex "shell while [ ! -e '$TEST_TMP/release' ]; do sleep 0.05; done" \
		>/dev/null 2>&1 </dev/null &
	gd=$!
	FIXTURE_PIDS+=("$gd")
	deadline=$((SECONDS + 30))
	until [ "$(tracer_of "$FIX_PID")" = "$gd" ]; do
		[ $SECONDS -lt $deadline ] || fail "gdb did not attach"
		sleep 0.05
	done
	run_cdl -p "$FIX_PID" --json
	expect_rc 1
	check_error_output
	grep -q "already traced by process $gd (gdb)" "$TEST_TMP/err" ||
		fail "tracer not named: $(cat "$TEST_TMP/err")"
	note "$(head -1 "$TEST_TMP/err")"
	[ "$(tracer_of "$FIX_PID")" = "$gd" ] || fail "gdb lost its tracee"
	touch "$TEST_TMP/release"
	wait "$gd" 2>/dev/null
	wait_running "$FIX_PID"
	tested=$((tested + 1))
fi

[ "$tested" -gt 0 ] || skip "neither strace nor gdb installed"
exit 0
