#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Rust std ABBA built without debug info: no guard is visible, and a
# std::sync::Mutex records no owner, so once both have waited --stuck
# seconds the answer is exit 3 (a deadlock can be neither proven nor
# excluded) - never an owner guessed, never exit 0.  Both legs are the
# same kind, and every frame is demangled (legacy and v0 builds).
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
[ -x "$FIXTURES/lock-rust-nodebug" ] ||
	skip "tests/fixtures/lock-rust-nodebug not built: configure found no rustc"

for fixture in lock-rust-nodebug lock-rust-v0-nodebug; do
	start_fixture "$fixture" abba
	wait_futex_blocked "$FIX_PID" 3
	sleep 1.5
	snapshot_undecided "$FIX_PID" 2
	expect_rc 3
	expect_deadlocks cycle 0
	for n in rabba-1 rabba-2; do
		t=$(tid_of $n)
		jq -e --argjson t "$t" '
			(.threads[] | select(.tid == $t) |
			 .wait.kind == "mutex" and .wait.detail == "Rust std::sync::Mutex" and
			 .wait.owner_tid == null and (.wait.flags | index("owner_unknown")) and
			 .held == null and .verdict == "stuck") and (.undecided | index($t))' "$J" >/dev/null ||
			fail "$fixture $n: not an undecided Rust mutex wait: $(jq -c --argjson t "$t" '.threads[] | select(.tid == $t) | {verdict, wait, held}' "$J")"
	done
	jq -e '[.threads[].frames[].function | select(. != null) |
		select(startswith("_ZN") or startswith("_R"))] | length == 0' "$J" >/dev/null ||
		fail "$fixture: mangled frames: $(jq -c '[.threads[].frames[].function | select(. != null) | select(startswith("_ZN") or startswith("_R"))]' "$J")"
	jq -e '[.threads[] | select(.name == "rabba-1") | .frames[].function |
		select(. != null) | select(test("^lock_rust(\\[[0-9a-f]+\\])?::abba_first"))] | length == 1' "$J" >/dev/null ||
		fail "$fixture: no demangled abba_first frame"

	run_cdl -p "$FIX_PID" --dump --stuck 1
	expect_rc 3
	grep -q 'whose owner is not known (Rust std::sync::Mutex): a deadlock can be neither proven nor excluded' \
		"$TEST_TMP/out" || fail "$fixture: no undecided verdict: $(head -8 "$TEST_TMP/out")"
	! grep -Eq 'held by (tid|thread)' "$TEST_TMP/out" ||
		fail "$fixture: an owner was invented: $(grep -E 'held by' "$TEST_TMP/out")"
	kill -KILL "$FIX_PID"
done
