#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# savecore-locks.sh - the core `--save-core` writes of a deadlocked
# process, read after the process is gone: gdb and eu-stack show the same
# stacks as cdeadlock's snapshot; the lock objects are printable in gdb,
# their owner fields as they were at the freeze (the owner cdeadlock
# reported); memory the capture did not copy is absent, not zeros; the
# snapshot note is the --json output.  Errors: --save-core without a live
# capture, a file that cannot be written.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/frames-lib.sh"
. "$TESTS_SRCDIR/integration/savecore-lib.sh"

# gdb_print EXE CORE EXPR...: what gdb prints for each EXPR, one line each
# (the value, or gdb's error)
gdb_print() {
	local exe=$1 core=$2 args=()
	shift 2
	for e in "$@"; do
		args+=(-ex "print $e")
	done
	timeout 300 "$GDB" -nx -batch "$exe" "$core" "${args[@]}" 2>&1 |
		sed -n -E 's/^\$[0-9]+ = //p; /^Cannot access memory/p'
}

# tid NAME: the tid of the thread NAME in the snapshot of $TEST_TMP/out
tid() {
	jq -r --arg n "$1" '.threads[] | select(.name == $n) | .tid' "$TEST_TMP/$FIX.json"
}

# check_lock_fixture FIXTURE NBLOCKED [ARGS...]: capture with a core, then
# compare with the fixture gone; leaves the core in $TEST_TMP/FIXTURE.core
check_lock_fixture() {
	FIX=$1
	local n=$2 core=$TEST_TMP/$1.core
	shift 2
	start_fixture "$FIX" "$@"
	wait_futex_blocked "$FIX_PID" "$n"
	eu_frames -p "$FIX_PID" >"$TEST_TMP/eu-live"
	assert_running "$FIX_PID"
	save_core "$FIX_PID" "$core"
	[ "$RC" = 2 ] || fail "$FIX: exit status $RC, expected 2 (deadlock)"
	cp "$TEST_TMP/out" "$TEST_TMP/$FIX.json"
	STACK_LOW=$(awk '$6 == "[stack]" { split($1, a, "-"); print "0x" a[1] }' /proc/"$FIX_PID"/maps)
	stop_fixture "$FIX_PID"
	check_notes "$core" "$TEST_TMP/$FIX.json"
	check_gdb_frames "$FIXTURES/$FIX" "$core" "$TEST_TMP/$FIX.json" "$FIX"
	check_eu_stack "$TEST_TMP/eu-live" "$FIXTURES/$FIX" "$core" "$FIX"
}

# -- errors first, on a live deadlock --
start_fixture lock-abba
wait_futex_blocked "$FIX_PID" 2
run_cdl -p "$FIX_PID" --dump --save-core "$TEST_TMP/no/such/dir/x.core"
assert_running "$FIX_PID"
expect_rc 1
grep -q 'Deadlock' "$TEST_TMP/out" || fail "the dump was not printed before the core failed"
[ "$(wc -l <"$TEST_TMP/err")" = 1 ] || fail "not one line of error: $(cat "$TEST_TMP/err")"
grep -q "^cdeadlock: save core: open $TEST_TMP/no/such/dir/x.core: No such file or directory$" \
	"$TEST_TMP/err" || fail "unexpected error: $(cat "$TEST_TMP/err")"
stop_fixture "$FIX_PID"
echo '{}' >"$TEST_TMP/x.json"
run_cdl --load "$TEST_TMP/x.json" --save-core "$TEST_TMP/x.core"
expect_rc 1
[ "$(wc -l <"$TEST_TMP/err")" = 1 ] && grep -q '^cdeadlock: --save-core: needs a live capture' \
	"$TEST_TMP/err" || fail "--load --save-core: $(cat "$TEST_TMP/err")"
[ ! -e "$TEST_TMP/x.core" ] || fail "--load --save-core wrote a file"

# -- ABBA on two global mutexes --
check_lock_fixture lock-abba 2
core=$TEST_TMP/lock-abba.core
got=$(gdb_print "$FIXTURES/lock-abba" "$core" lock_ledger.__data.__owner lock_audit.__data.__owner \
	"*(long *)$STACK_LOW")
want="$(tid transfer)
$(tid audit)"
[ "$(echo "$got" | head -n 2)" = "$want" ] ||
	fail "owners in gdb: '$(echo "$got" | head -n 2 | tr '\n' ' ')', expected '$(echo "$want" | tr '\n' ' ')'"
echo "$got" | tail -n 1 | grep -q 'Cannot access memory' ||
	fail "memory never copied (the stack's lowest page) reads as '$(echo "$got" | tail -n 1)'"
# the owners cdeadlock reported are the ones in the core
jq -e --argjson t "$(tid audit)" --argjson o "$(tid transfer)" \
	'.threads[] | select(.tid == $t) | .wait.owner_tid == $o' "$TEST_TMP/lock-abba.json" >/dev/null ||
	fail "cdeadlock's owner of lock_ledger is not the core's"

# -- a ring of five, a reader/writer cycle, C++ std::mutex --
check_lock_fixture lock-ring 5
check_lock_fixture lock-rwlock 3
check_lock_fixture lock-cxx 2 mutex
got=$(gdb_print "$FIXTURES/lock-cxx" "$TEST_TMP/lock-cxx.core" mtx_b._M_mutex.__data.__owner)
[ "$got" = "$(tid cxx-b)" ] || fail "lock-cxx: mtx_b's owner in gdb is '$got', expected $(tid cxx-b)"
exit 0
