#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# stacks.sh - every thread's stack as cdeadlock shows it equals gdb's
# `thread apply all bt` on the same process: the same function sequence
# (inline frames included) and the same file:line wherever gdb shows one,
# for the stack fixture built -O0, -O2 -fomit-frame-pointer, non-PIE,
# stripped, static and as C++, and with clang (C with DWARF 5 and 4, C++:
# clang writes no .debug_aranges).  The blocked frames must sit on the exact
# source lines of the lock calls, found by their MARK comments.
# The frames of both and their comparison are frames-lib.sh's.  Both run
# one after the other: a process has one tracer.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/frames-lib.sh"

C_SRC=$TESTS_SRCDIR/fixtures/stacks.c
CXX_SRC=$TESTS_SRCDIR/fixtures/stacks-cxx.cc

# mark FILE NAME: line number of the "MARK: NAME" comment
mark() {
	local n
	n=$(grep -n -E "MARK: $2( |$)" "$1" | cut -d: -f1)
	[ -n "$n" ] || fail "no marker $2 in $1"
	echo "$n"
}

# frame_of TID FUNCTION: "file:line" of the first frame of TID in FUNCTION
frame_of() {
	awk -F'\t' -v t="$1" -v f="$2" '$1 == t && $3 == f { print $4; exit }' "$TEST_TMP/cdl.tsv"
}

# tid_named NAME: tid of the fixture thread called NAME
tid_named() {
	jq -r --arg n "$1" '.threads[] | select(.name == $n) | .tid' "$TEST_TMP/out" | head -n 1
}

# count_frames TID FUNCTION
count_frames() {
	awk -F'\t' -v t="$1" -v f="$2" '$1 == t && $3 == f { n++ } END { print n + 0 }' "$TEST_TMP/cdl.tsv"
}

expect_frame_line() {   # TID FUNCTION FILE LINE WHAT
	local got
	got=$(frame_of "$1" "$2")
	[ "$got" = "$3:$4" ] || fail "$variant: $5: frame $2 of thread $1 at '$got', expected $3:$4"
}

expect_wait() {   # TID SYMBOL LOCATION: the thread's wait names its lock so
	local got
	got=$(jq -r --argjson t "$1" '.threads[] | select(.tid == $t) |
		"\(.wait.symbol) @ \(.wait.location)"' "$TEST_TMP/out")
	[ "$got" = "$2 @ $3" ] || fail "$variant: thread $1 waits on '$got', expected '$2 @ $3'"
}

check_variant() {
	variant=$1
	local kind=$2 pid
	start_fixture "$variant"
	pid=$FIX_PID
	wait_main_futex "$pid"

	gdb_frames -p "$pid" >"$TEST_TMP/gdb.tsv"
	assert_running "$pid"
	[ -s "$TEST_TMP/gdb.tsv" ] || skip "gdb could not attach to $pid"

	run_cdl -p "$pid" --json
	assert_running "$pid"
	[ "$RC" = 0 ] || [ "$RC" = 2 ] || fail "$variant: exit status $RC: $(cat "$TEST_TMP/err")"
	cdl_frames "$TEST_TMP/out" >"$TEST_TMP/cdl.tsv" || fail "$variant: unreadable JSON"

	same_frames "$TEST_TMP/gdb.tsv" "$TEST_TMP/cdl.tsv" "$variant"

	local ta tb tr tc ts tn n
	case $kind in
	c|c-stripped)
		ta=$(tid_named lock-a); tb=$(tid_named lock-b); tr=$(tid_named recurse)
		[ -n "$ta" ] && [ -n "$tb" ] && [ -n "$tr" ] || fail "$variant: fixture threads missing"
		n=$(count_frames "$tr" recurse)
		[ "$n" = 7 ] || fail "$variant: $n recurse frames, expected 7"
		[ "$(count_frames "$tb" grab_other)" = 1 ] || fail "$variant: lock-b not in grab_other"
		[ "$(count_frames "$ta" lock_a_main)" = 1 ] || fail "$variant: lock-a not in lock_a_main"
		# lock objects named from DWARF, or from .dynsym when stripped
		tc=$(tid_named cfg-wait)
		if [ "$kind" = c ]; then
			expect_wait "$ta" 'forks[2]' "$FIXTURES/$variant"
			expect_wait "$tb" bank.ledger_lock "$FIXTURES/$variant"
			expect_wait "$tc" 'cfg.locks[1].lock' "$FIXTURES/$variant"
		else
			expect_wait "$ta" forks+80 "$FIXTURES/$variant"
			expect_wait "$tb" bank+8 "$FIXTURES/$variant"
		fi
		# the signal handler's frame, then the trampoline gdb calls
		# <signal handler called>
		ts=$(tid_named signal)
		awk -F'\t' -v t="$ts" '$1 == t { f[$2] = $3 }
			END { for (i = 0; i in f; i++)
				if (f[i] == "on_signal" && f[i + 1] == "<signal handler called>") exit 0
			      exit 1 }' "$TEST_TMP/cdl.tsv" ||
			fail "$variant: no signal frame after on_signal"
		# the assembly without CFI, then its caller
		tn=$(tid_named nocfi)
		awk -F'\t' -v t="$tn" '$1 == t { f[$2] = $3 }
			END { exit !(f[0] == "nocfi_pause" && f[1] == "nocfi_wait") }' "$TEST_TMP/cdl.tsv" ||
			fail "$variant: nocfi_wait not found below nocfi_pause"
		if [ "$kind" = c ]; then
			expect_frame_line "$tn" nocfi_wait stacks.c "$(mark "$C_SRC" nocfi-call)" "call without CFI"
			expect_frame_line "$ts" on_signal stacks.c "$(mark "$C_SRC" in-handler)" "signal handler"
			expect_frame_line "$tc" cfg_wait_main stacks.c "$(mark "$C_SRC" cfg-lock)" "lock call"
			# the inline frame: take_lock, marked inlined, at the lock call
			jq -e --argjson t "$ta" '.threads[] | select(.tid == $t) | .frames |
				map(select(.function == "take_lock"))[0].inlined == true' \
				"$TEST_TMP/out" >/dev/null || fail "$variant: no inlined take_lock frame"
			expect_frame_line "$ta" take_lock stacks.c "$(mark "$C_SRC" inline-lock)" "inline lock"
			expect_frame_line "$ta" lock_a_main stacks.c "$(mark "$C_SRC" take-call)" "inline call site"
			expect_frame_line "$tb" grab_other stacks.c "$(mark "$C_SRC" grab-lock)" "lock call"
			expect_frame_line "$tr" recurse stacks.c "$(mark "$C_SRC" bottom)" "recursion bottom"
			# the first frame outside libc's functions is the lock call
			local user
			user=$(jq -r --argjson t "$ta" '.threads[] | select(.tid == $t) | .frames[] |
				select(.function != null and
				       (.function | test("^(_|pthread_|futex_|lll_)") | not)) |
				"\(.function) \(.line)"' "$TEST_TMP/out" | head -n 1)
			[ "$user" = "take_lock $(mark "$C_SRC" inline-lock)" ] ||
				fail "$variant: first user frame of lock-a is '$user'"
		fi
		;;
	cxx)
		ta=$(tid_named teller-1); tr=$(tid_named auditor)
		[ -n "$ta" ] && [ -n "$tr" ] || fail "$variant: fixture threads missing"
		expect_frame_line "$ta" 'bank::Account<long>::transfer_to' stacks-cxx.cc \
			"$(mark "$CXX_SRC" cxx-lock)" "lock_guard line"
		for n in 0 1 2 3 4; do
			[ "$(count_frames "$tr" "bank::audit<$n>")" = 1 ] ||
				fail "$variant: no frame bank::audit<$n>"
		done
		expect_frame_line "$tr" 'bank::audit<0>' stacks-cxx.cc \
			"$(mark "$CXX_SRC" audit-bottom)" "recursion bottom"
		# unnamed lock objects: where they live
		expect_wait "$ta" null "stack of thread $pid"
		expect_wait "$(tid_named teller-2)" null heap
		;;
	esac
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	note "$variant: $(cut -f1 "$TEST_TMP/cdl.tsv" | sort -u | wc -l) threads, $(wc -l <"$TEST_TMP/cdl.tsv") frames match gdb"
}

check_variant stacks-O0 c
check_variant stacks-O2 c
check_variant stacks-nopie c
check_variant stacks-static c
check_variant stacks-stripped c-stripped
check_variant stacks-cxx cxx
check_variant stacks-cxx-O2 cxx
if [ -x "$FIXTURES/stacks-clang-O2" ]; then
	check_variant stacks-clang-O2 c
	check_variant stacks-clang-dwarf4 c
	check_variant stacks-clang-cxx-O2 cxx
else
	echo "clang or clang++ not found at configure time: clang builds not checked"
fi
exit 0
