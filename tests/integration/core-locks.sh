#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# core-locks.sh - `cdeadlock --core` gives the live verdict.  For lock
# fixtures with distinct verdicts (cycles of 2 and 5 mutexes, a rwlock
# cycle with a thread behind it, a self-deadlock, a join cycle, a condvar
# wait, a recursive mutex that only waits), the verdict, the lock names,
# the owners and the exit status read from (a) a core written by gdb's
# gcore and (b) a core the kernel wrote when the fixture got SIGABRT equal
# those of the live `--json` of the same process state.  Threads are
# compared by tid: a core records no thread names.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/core-lib.sh"

FIXES="lock-abba lock-ring lock-rwlock lock-self lock-join lock-condvar lock-recursive"
# a sanitizer build's fixtures carry ASan's shadow memory: cores of them
# are slow to write; the uninstrumented abba stands for them there
if ldd "$FIXTURES/lock-ring" 2>/dev/null | grep -q 'libasan\|libubsan'; then
	note "sanitizer build: only lock-abba-plain (the other fixtures are instrumented)"
	FIXES="lock-abba-plain"
fi

# the kernel part: only where core_pattern writes a plain file in the
# process's directory; this test never changes core_pattern
pattern=$(cat /proc/sys/kernel/core_pattern 2>/dev/null)
kernel=yes
case $pattern in
'|'*) kernel="core_pattern is a pipe ($pattern): the kernel core goes to that program" ;;
*/*) kernel="core_pattern writes elsewhere ($pattern)" ;;
'') kernel="core_pattern unreadable" ;;
esac
command -v prlimit >/dev/null 2>&1 || kernel="prlimit not installed"
[ "$kernel" = yes ] || note "SKIP kernel cores: $kernel"
[ -n "${GDB:-}" ] || note "SKIP gcore cores: gdb not installed"
[ -n "${GDB:-}" ] || [ "$kernel" = yes ] || skip "neither a gcore nor a kernel core can be made"

# check_core LABEL CORE: --core CORE --json equals the live one
check_core() {
	local label=$1 core=$2
	run_cdl --core "$core" --json --stuck 3600
	[ "$RC" = "$live_rc" ] || fail "$label: exit status $RC, live $live_rc: $(cat "$TEST_TMP/err")"
	lock_summary "$TEST_TMP/out" >"$TEST_TMP/$label.sum" || fail "$label: no JSON: $(head -c 300 "$TEST_TMP/out")"
	diff -u "$TEST_TMP/live.sum" "$TEST_TMP/$label.sum" >&2 || fail "$label: differs from the live verdict"
	# what a core cannot know is unknown, not 0
	jq -e 'all(.threads[]; .blocked_for_ms == null and .state == "?" and .wchan == null) and
	       .core.path != null and .core.live_facts == false' "$TEST_TMP/out" >/dev/null ||
		fail "$label: live-only facts not unknown: $(jq -c '.core, [.threads[] | {state, blocked_for_ms, wchan}]' "$TEST_TMP/out")"
	note "$label: exit $RC, $(jq '.deadlocks | length' "$TEST_TMP/out") deadlock(s), $(jq '.threads | length' "$TEST_TMP/out") threads: as live"
}

n=0
for fix in $FIXES; do
	dir=$TEST_TMP/$fix
	mkdir -p "$dir"
	cd "$dir" || fail "cd $dir"
	start_fixture "$fix"
	cd "$TEST_TMP" || fail "cd"
	case $fix in
	lock-ring) want=5 ;; lock-rwlock) want=3 ;; lock-self|lock-condvar) want=1 ;; *) want=2 ;;
	esac
	wait_futex_blocked "$FIX_PID" "$want"
	run_cdl -p "$FIX_PID" --json --stuck 3600
	live_rc=$RC
	assert_running "$FIX_PID"
	lock_summary "$TEST_TMP/out" >"$TEST_TMP/live.sum" || fail "$fix: live: no JSON"
	[ "$(jq '.threads | length' "$TEST_TMP/out")" -gt 1 ] || fail "$fix: live snapshot without threads"

	if [ -n "${GDB:-}" ]; then
		timeout 120 "$GDB" -batch -nx -p "$FIX_PID" -ex "gcore $dir/gcore.core" \
			>"$TEST_TMP/gdb.out" 2>&1 || fail "$fix: gcore failed: $(tail -3 "$TEST_TMP/gdb.out")"
		assert_running "$FIX_PID"
		check_core "$fix-gcore" "$dir/gcore.core"
		run_cdl --core "$dir/gcore.core" --dump --stuck 3600
		grep -q "^Read from core $dir/gcore.core of process $FIX_PID, made without a signal" "$TEST_TMP/out" ||
			fail "$fix: gcore text header: $(head -3 "$TEST_TMP/out")"
		rm -f "$dir/gcore.core"
		n=$((n + 1))
	fi
	if [ "$kernel" = yes ]; then
		prlimit --pid "$FIX_PID" --core=unlimited || fail "prlimit failed"
		pid=$FIX_PID
		kill -ABRT "$pid"
		wait "$pid" 2>/dev/null
		kcore=$(ls "$dir"/* 2>/dev/null | head -1)
		[ -n "$kcore" ] || fail "$fix: no kernel core in $dir (pattern '$pattern')"
		check_core "$fix-kernel" "$kcore"
		run_cdl --core "$kcore" --dump --stuck 3600
		grep -q "^Read from core $kcore of process $pid, made by signal 6 (SIGABRT)" "$TEST_TMP/out" ||
			fail "$fix: kernel core text header: $(head -3 "$TEST_TMP/out")"
		grep -q "^Core written .*; thread states and blocked times unknown" "$TEST_TMP/out" ||
			fail "$fix: kernel core text header: $(head -3 "$TEST_TMP/out")"
		rm -f "$kcore"
		n=$((n + 1))
	else
		kill -KILL "$FIX_PID"
		wait "$FIX_PID" 2>/dev/null
	fi
done
note "ok: $n cores gave the live verdicts"
