#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue #10, permissions as a container sets them: the error names the
# cause and how to grant what is missing, as strace's do.
#  - no CAP_SYS_PTRACE (Docker's default): --cap-add=SYS_PTRACE, kubectl
#    debug --profile=general;
#  - a seccomp filter refusing ptrace: the filter, and the seccomp option;
#  - a seccomp filter refusing only process_vm_readv: the capture works
#    through /proc/PID/mem, the same verdict, and a warning says so.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/collect-lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root to drop a capability it holds"
command -v setpriv >/dev/null 2>&1 || skip "setpriv (util-linux) not installed"
SECCOMP_EXEC=$FIXTURES/seccomp-exec
[ -x "$SECCOMP_EXEC" ] || fail "fixture $SECCOMP_EXEC not built"
"$SECCOMP_EXEC" process_vm_readv -- true || skip "seccomp filters not permitted here"

start_fixture lock-abba
wait_futex_blocked "$FIX_PID" 2

# run_under PREFIX...: cdeadlock -p FIX_PID --json under a prefix command
run_under() {
	set +e
	"$@" ${CDL_WRAPPER:-} "$CDEADLOCK" -p "$FIX_PID" --json >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	RC=$?
	set +e
}

# 1. no CAP_SYS_PTRACE, as in a container started without it
run_under setpriv --inh-caps=-sys_ptrace --bounding-set=-sys_ptrace
if [ "$RC" = 0 ]; then
	note "dropping CAP_SYS_PTRACE did not forbid ptrace here: case skipped"
else
	expect_rc 1
	check_error_output
	grep -q '^cdeadlock: attach: ptrace(PTRACE_SEIZE, [0-9]*): Operation not permitted$' "$TEST_TMP/err" ||
		fail "no capability: $(cat "$TEST_TMP/err")"
	grep -q '^cdeadlock: hint: .*without CAP_SYS_PTRACE.*--cap-add=SYS_PTRACE.*kubectl debug .*--profile=general' "$TEST_TMP/err" ||
		fail "no capability: hint: $(cat "$TEST_TMP/err")"
	note "no CAP_SYS_PTRACE: $(tr '\n' ' ' <"$TEST_TMP/err")"
fi
assert_running "$FIX_PID"

# 2. a seccomp filter refusing ptrace
run_under "$SECCOMP_EXEC" ptrace --
expect_rc 1
check_error_output
grep -q '^cdeadlock: attach: ptrace(PTRACE_SEIZE, [0-9]*): a seccomp filter on cdeadlock refuses ptrace (Operation not permitted)$' "$TEST_TMP/err" ||
	fail "seccomp ptrace: $(cat "$TEST_TMP/err")"
grep -q '^cdeadlock: hint: .*--security-opt seccomp=' "$TEST_TMP/err" ||
	fail "seccomp ptrace: hint: $(cat "$TEST_TMP/err")"
note "seccomp, ptrace: $(tr '\n' ' ' <"$TEST_TMP/err")"
assert_running "$FIX_PID"

# 3. a seccomp filter refusing process_vm_readv: /proc/PID/mem instead
run_under "$SECCOMP_EXEC" process_vm_readv --
assert_running "$FIX_PID"
J=$TEST_TMP/out
expect_rc 2
expect_deadlocks cycle 1
expect_edge transfer mutex lock_audit audit
expect_edge audit mutex lock_ledger transfer
jq -e '[.warnings[] | select(test("^memory was read through /proc/[0-9]+/mem: process_vm_readv is refused here \\(Operation not permitted\\) by a seccomp filter"))] | length == 1' "$J" >/dev/null ||
	fail "seccomp process_vm_readv: no warning: $(jq -c .warnings "$J")"
# and without the filter, no such warning
snapshot "$FIX_PID"
expect_rc 2
jq -e '[.warnings[]? | select(test("process_vm_readv"))] | length == 0' "$J" >/dev/null ||
	fail "a process_vm_readv warning without a filter: $(jq -c .warnings "$J")"
