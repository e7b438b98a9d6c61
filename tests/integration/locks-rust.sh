#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Rust std locks, built with debug info: their futex words record no
# owner, the guards in the holders' frames do.  An ABBA on two
# std::sync::Mutex is a proven cycle (both legs the same kind, owners
# "from a guard"), so is a reader <-> writer cycle on two RwLocks; a
# thread idle on a Condvar is in no verdict and holds nothing (it handed
# its guard to the wait).  The v0-mangled build gives the same answers.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
[ -x "$FIXTURES/lock-rust" ] ||
	skip "tests/fixtures/lock-rust not built: configure found no rustc"

# guard_edge WAITER OWNER GUARD: the waiter's owner comes from OWNER's
# guard of type GUARD, in a frame of OWNER's stack that holds it
guard_edge() {
	local w o
	w=$(tid_of "$1")
	o=$(tid_of "$2")
	jq -e --argjson w "$w" --argjson o "$o" --arg g "$3" '
		(.threads[] | select(.tid == $w) | .wait) as $wt |
		(.threads[] | select(.tid == $o)) as $ot |
		$wt.owner_source == "guard" and $wt.owner_guard == $g and
		($wt.flags | index("owner_unknown") | not) and
		($ot.frames[$wt.owner_frame].function | test("^lock_rust::")) and
		([$ot.held[] | select(.address == $wt.address and .guard == $g and
		  .frame == $wt.owner_frame)] | length == 1)' "$J" >/dev/null ||
		fail "$1 -> $2 not from a $3: $(jq -c --argjson w "$w" --argjson o "$o" \
			'.threads[] | select(.tid == $w or .tid == $o) | {name, wait, held}' "$J")"
}

for fixture in lock-rust lock-rust-v0; do
	start_fixture "$fixture" abba
	wait_futex_blocked "$FIX_PID" 3
	snapshot "$FIX_PID"
	expect_rc 2
	expect_deadlocks cycle 1
	expect_deadlocked rabba-1 rabba-2
	expect_edge rabba-1 mutex LOCK_B rabba-2
	expect_edge rabba-2 mutex LOCK_A rabba-1
	guard_edge rabba-1 rabba-2 MutexGuard
	guard_edge rabba-2 rabba-1 MutexGuard
	jq -e '[.threads[] | select(.name | startswith("rabba-")) | .wait.detail] ==
		["Rust std::sync::Mutex", "Rust std::sync::Mutex"]' "$J" >/dev/null ||
		fail "$fixture: legs of different kinds: $(jq -c '[.threads[] | {name, wait}]' "$J")"
	expect_noise_quiet

	run_cdl -p "$FIX_PID" --dump
	expect_rc 2
	grep -Eq 'held by thread "rabba-2" \(tid [0-9]+\) \(from its MutexGuard in frame #[0-9]+\)' \
		"$TEST_TMP/out" || fail "$fixture: no owner from a guard in the text: $(head -12 "$TEST_TMP/out")"
	grep -Eq '^  holds LOCK_A \(0x[0-9a-f]+\) \(from its MutexGuard in frame #[0-9]+\)' \
		"$TEST_TMP/out" || fail "$fixture: no held lock in the text"
	kill -KILL "$FIX_PID"
done

start_fixture lock-rust rwlock
wait_futex_blocked "$FIX_PID" 3
snapshot "$FIX_PID"
expect_rc 2
expect_deadlocks cycle 1
expect_deadlocked rreader rwriter
expect_edge rreader rwlock_write RW_B rwriter
expect_edge rwriter rwlock_write RW_A rreader
guard_edge rreader rwriter RwLockWriteGuard
guard_edge rwriter rreader RwLockReadGuard
jq -e '.threads[] | select(.name == "rwriter") | .wait |
	(.flags | index("readers")) and .readers == 1' "$J" >/dev/null ||
	fail "rwriter does not wait for one reader: $(jq -c '.threads[] | select(.name == "rwriter") | .wait' "$J")"
jq -e '.threads[] | select(.name == "rreader") | .held == [.held[0]] and .held[0].shared and
	.held[0].symbol == "RW_A"' "$J" >/dev/null ||
	fail "rreader's read hold: $(jq -c '.threads[] | select(.name == "rreader") | .held' "$J")"
expect_noise_quiet
kill -KILL "$FIX_PID"

start_fixture lock-rust condvar
wait_futex_blocked "$FIX_PID" 2
snapshot "$FIX_PID" --stuck 3600
expect_rc 0
expect_deadlocks cycle 0
jq -e '.threads[] | select(.name == "rcondvar") |
	.wait.kind == "condvar" and .wait.symbol == "IDLE_COND" and
	.wait.mutex_symbol == "IDLE_MUTEX" and (.held == null) and .verdict == "waiting"' "$J" >/dev/null ||
	fail "idle condvar wait: $(jq -c '.threads[] | select(.name == "rcondvar") | {wait, held, verdict}' "$J")"
expect_noise_quiet
