#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# No permission to trace: the error explains why (another user's process,
# a missing CAP_SYS_PTRACE) in a hint, as strace does.  Needs root to play
# the unprivileged user.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/collect-lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root to run cdeadlock as another user"
command -v setpriv >/dev/null 2>&1 || skip "setpriv (util-linux) not installed"

start_fixture collect-target

# as nobody, against root's process
set +e
setpriv --reuid=65534 --regid=65534 --clear-groups ${CDL_WRAPPER:-} "$CDEADLOCK" -p "$FIX_PID" --json \
	>"$TEST_TMP/out" 2>"$TEST_TMP/err"
RC=$?
set +e
expect_rc 1
check_error_output
grep -q '^cdeadlock: hint: .*belongs to uid 0 and you are uid 65534' "$TEST_TMP/err" ||
	fail "other user: no hint: $(cat "$TEST_TMP/err")"
note "other user: $(tr '\n' ' ' <"$TEST_TMP/err")"
assert_running "$FIX_PID"

# as root without CAP_SYS_PTRACE (the target holds capabilities we lack)
set +e
setpriv --bounding-set=-sys_ptrace --inh-caps=-sys_ptrace ${CDL_WRAPPER:-} "$CDEADLOCK" -p "$FIX_PID" --json \
	>"$TEST_TMP/out" 2>"$TEST_TMP/err"
RC=$?
set +e
if [ "$RC" = 0 ]; then
	note "dropping CAP_SYS_PTRACE did not forbid ptrace here: case skipped"
else
	expect_rc 1
	check_error_output
	grep -q '^cdeadlock: attach: ptrace(PTRACE_SEIZE, '"$FIX_PID"'): Operation not permitted' "$TEST_TMP/err" ||
		fail "no capability: $(cat "$TEST_TMP/err")"
	grep -q '^cdeadlock: hint: .*CAP_SYS_PTRACE' "$TEST_TMP/err" ||
		fail "no capability: no hint: $(cat "$TEST_TMP/err")"
	note "no CAP_SYS_PTRACE: $(tr '\n' ' ' <"$TEST_TMP/err")"
fi
assert_running "$FIX_PID"
exit 0
