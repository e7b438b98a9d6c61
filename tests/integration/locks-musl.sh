#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Two-mutex cycles in programs built with musl (musl-gcc), dynamic and
# static.  musl keeps the owner's tid in the lock word of every mutex type
# but the default one: an ERRORCHECK, RECURSIVE, ROBUST or PI cycle is a
# proven deadlock (exit 2) with the right flags; a cycle of default
# mutexes records no owner anywhere, so the answer is exit 3 (no deadlock
# proven, none excluded), naming musl, and no owner is invented.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
. "$TESTS_SRCDIR/integration/locks-musl-lib.sh"
need_musl musl-abba

# default mutexes: undecided, with the reason
for fix in musl-abba musl-abba-static; do
	start_fixture "$fix"
	wait_futex_blocked "$FIX_PID" 2
	snapshot_undecided "$FIX_PID" 2
	expect_rc 3
	expect_musl
	expect_deadlocks cycle 0
	expect_unknown_owner transfer mutex lock_audit "musl normal mutex"
	expect_unknown_owner audit mutex lock_ledger "musl normal mutex"
	for t in transfer audit; do
		for f in robust errorcheck recursive pi; do expect_flag $t $f no; done
	done
	expect_noise_quiet
	# the stacks reach the lock calls (see locks-musl-stacks.sh)
	jq -e '[.threads[] | select(.name == "transfer" or .name == "audit") | .frames |
		any(.function == "transfer" or .function == "audit")] == [true, true]' "$J" >/dev/null ||
		fail "$fix: stacks do not reach the lock calls"
	# nor does it need the stacks
	snapshot "$FIX_PID" --no-unwind --stuck 0.2
	expect_rc 3
	expect_unknown_owner transfer mutex lock_audit "musl normal mutex"
	run_cdl -p "$FIX_PID" --dump --stuck 0.2
	expect_rc 3
	grep -q 'whose owner is not known (musl normal mutex): a deadlock can be neither proven nor excluded' \
		"$TEST_TMP/out" || fail "$fix: no undecided verdict: $(head -8 "$TEST_TMP/out")"
	! grep -Eq 'held by (tid|thread)|libc6-dbg' "$TEST_TMP/out" ||
		fail "$fix: $(grep -E 'held by (tid|thread)|libc6-dbg' "$TEST_TMP/out")"
	kill -KILL "$FIX_PID" 2>/dev/null
	wait "$FIX_PID" 2>/dev/null
	note "$fix: exit 3, no owner"
done

# owner-recording mutex types: proven cycles with their flags
for fix in musl-attr musl-attr-static; do
	for mode in errorcheck recursive robust pi; do
		[ "$fix" = musl-attr-static ] && [ "$mode" != errorcheck ] && continue
		start_fixture "$fix" "$mode"
		wait_futex_blocked "$FIX_PID" 2
		snapshot "$FIX_PID"
		expect_rc 2
		expect_musl
		expect_deadlocks cycle 1
		expect_deadlocked left right
		expect_edge left mutex "pair_locks[1]" right
		expect_edge right mutex "pair_locks[0]" left
		for t in left right; do
			for f in robust errorcheck recursive; do
				if [ "$f" = "$mode" ]; then expect_flag $t $f; else expect_flag $t $f no; fi
			done
			[ "$mode" = pi ] || expect_flag $t pi no
			expect_flag $t pshared no
		done
		if [ "$mode" = pi ]; then expect_flag left pi; expect_flag right pi; fi
		expect_noise_quiet
		# the lock words alone prove it: no stacks needed
		snapshot "$FIX_PID" --no-unwind
		expect_rc 2
		expect_edge left mutex "pair_locks[1]" right
		kill -KILL "$FIX_PID" 2>/dev/null
		wait "$FIX_PID" 2>/dev/null
		note "$fix $mode: cycle proven from the lock words"
	done
done
# stripped static programs: no symbol or string says musl, the threads'
# descriptors do (self at 0, their own tid at 48); no lock names
start_fixture musl-abba-static-stripped
wait_futex_blocked "$FIX_PID" 2
snapshot_undecided "$FIX_PID" 2
expect_rc 3
expect_musl
expect_unknown_owner transfer mutex null "musl normal mutex"
expect_unknown_owner audit mutex null "musl normal mutex"
start_fixture musl-attr-static-stripped errorcheck
wait_futex_blocked "$FIX_PID" 2
snapshot "$FIX_PID"
expect_rc 2
expect_musl
expect_edge left mutex null right
expect_edge right mutex null left
expect_flag left errorcheck
note "stripped static: $(jq -r .libc "$J"), cycle proven"
exit 0
