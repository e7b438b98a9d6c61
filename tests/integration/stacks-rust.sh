#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Rust frames are named as gdb names them: from DWARF (namespaces, impl
# blocks, closures, generic arguments, no hash) where the code has debug
# info, else from the symbol, legacy or v0 mangling, demangled as gdb
# does.  Every thread's function sequence must equal gdb's `thread apply
# all bt` for the Rust fixture built with and without debug info, with
# both manglings.
. "$TESTS_SRCDIR/lib.sh"

need_jq
[ -x "$FIXTURES/lock-rust" ] || skip "tests/fixtures/lock-rust not built: configure found no rustc"
if [ -z "${GDB:-}" ]; then
	GDB=$(command -v gdb) || skip "gdb not installed"
fi
unset DEBUGINFOD_URLS

# "tid<TAB>index<TAB>function" per frame from gdb's backtrace
# (frame arguments reduced to "(...)"/"()" and cut with what follows)
gdb_functions() {
	timeout 300 "$GDB" -nx -batch -p "$1" -ex 'set width 0' -ex 'set height 0' \
		-ex 'set backtrace past-main on' -ex 'set print frame-arguments presence' \
		-ex 'thread apply all bt' 2>/dev/null |
	sed -n -E -e 's/^Thread [0-9]+ \(Thread 0x[0-9a-f]+ \(LWP ([0-9]+)\).*/T \1/p' \
		-e 's/^#[0-9]+ +(0x[0-9a-f]+ in )?(.*) \((\.\.\.)?\)( at .*| from .*)?$/F \2/p' |
	awk '$1 == "T" { tid = $2; i = 0; next } { sub(/^F /, ""); print tid "\t" i++ "\t" $0 }'
}

for fixture in lock-rust lock-rust-v0 lock-rust-nodebug lock-rust-v0-nodebug; do
	start_fixture "$fixture" abba
	pid=$FIX_PID
	wait_futex_blocked "$pid" 3
	gdb_functions "$pid" | sort >"$TEST_TMP/gdb.fn"
	assert_running "$pid"
	[ -s "$TEST_TMP/gdb.fn" ] || skip "gdb could not attach to $pid"
	run_cdl -p "$pid" --json
	assert_running "$pid"
	jq -r '.threads[] | .tid as $t | .frames | to_entries[] |
		"\($t)\t\(.key)\t\(.value.function // "??")"' \
		"$TEST_TMP/out" | sort >"$TEST_TMP/cdl.fn" || fail "$fixture: unreadable JSON"
	if ! diff -u "$TEST_TMP/gdb.fn" "$TEST_TMP/cdl.fn" >"$TEST_TMP/diff"; then
		cat "$TEST_TMP/diff"
		fail "$fixture: function names differ from gdb's"
	fi
	kill -KILL "$pid"
done
