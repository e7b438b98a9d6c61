#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# C++ guards name the locks a thread holds.  "rw": cxx-a holds smtx_a
# through a std::shared_lock (glibc counts the reader, never names it) and
# wants smtx_b, which cxx-b holds through a std::unique_lock while it
# wants smtx_a: the reader named by its guard makes the cycle provable.
# "mutex": each thread's std::lock_guard shows as a held lock (-O0, and
# -O2 where gcc describes the guard as an implicit value), while the
# owners stay the ones glibc records.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"

# expect_held NAME SYMBOL GUARD SHARED: the thread's only held lock
expect_held() {
	local t
	t=$(tid_of "$1")
	jq -e --argjson t "$t" --arg s "$2" --arg g "$3" --argjson sh "$4" '
		.threads[] | select(.tid == $t) | (.held | length == 1) and
		.held[0].symbol == $s and .held[0].guard == $g and .held[0].shared == $sh and
		(.frames[.held[0].frame].function | test("^(rw|shared|mutex)_[ab]$"))' "$J" >/dev/null ||
		fail "$1 does not hold only $2 through a $3: $(jq -c --argjson t "$t" '.threads[] | select(.tid == $t) | .held' "$J")"
}

start_fixture lock-cxx-O0 rw
wait_futex_blocked "$FIX_PID" 2
snapshot "$FIX_PID"
expect_rc 2
expect_deadlocks cycle 1
expect_deadlocked cxx-a cxx-b
expect_edge cxx-a rwlock_write smtx_b cxx-b
expect_edge cxx-b rwlock_write smtx_a cxx-a
jq -e '.threads[] | select(.name == "cxx-b") | .wait | .owner_source == "guard" and
	.owner_guard == "std::shared_lock" and (.flags | index("readers")) and .readers == 1' "$J" >/dev/null ||
	fail "cxx-b's reader not from a guard: $(jq -c '.threads[] | select(.name == "cxx-b") | .wait' "$J")"
jq -e '.threads[] | select(.name == "cxx-a") | .wait.owner_source == null' "$J" >/dev/null ||
	fail "the writer glibc records is not shown as recorded"
expect_held cxx-a smtx_a std::shared_lock true
expect_held cxx-b smtx_b std::unique_lock false
expect_noise_quiet
run_cdl -p "$FIX_PID" --dump
expect_rc 2
grep -Eq 'held by 1 reader: thread "cxx-a" \(tid [0-9]+\) \(from its std::shared_lock in frame #[0-9]+\)' \
	"$TEST_TMP/out" || fail "no reader from a guard in the text: $(head -12 "$TEST_TMP/out")"
kill -KILL "$FIX_PID"

# lock-cxx is built with the configured flags (-O2, maybe the sanitizers):
# gcc may describe its guards (an implicit value at -O2) or drop them (an
# ASan build): what is listed must be right, nothing is required
for fixture in lock-cxx-O0 lock-cxx; do
	start_fixture "$fixture" mutex
	wait_futex_blocked "$FIX_PID" 2
	snapshot "$FIX_PID"
	expect_rc 2
	expect_edge cxx-a mutex mtx_b cxx-b
	expect_edge cxx-b mutex mtx_a cxx-a
	if [ "$fixture" = lock-cxx-O0 ] || jq -e '[.threads[].held // empty] | length > 0' "$J" >/dev/null; then
		expect_held cxx-a mtx_a std::lock_guard false
		expect_held cxx-b mtx_b std::lock_guard false
	fi
	jq -e '[.threads[].wait | select(. != null) | .owner_source] | all(. == null)' "$J" >/dev/null ||
		fail "$fixture: an owner glibc records shown as from a guard"
	kill -KILL "$FIX_PID"
done
