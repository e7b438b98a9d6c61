# SPDX-License-Identifier: GPL-2.0-or-later
# savecore-lib.sh - checks of the cores `cdeadlock -p PID --save-core FILE`
# writes (savecore-*.sh).  Sourced after lib.sh and frames-lib.sh.
#
# Every check reads the core after the fixture is gone: the core must
# stand alone.

command -v readelf >/dev/null 2>&1 || skip "readelf not installed"

# save_core PID CORE [ARGS...]: cdeadlock -p PID --json --save-core CORE;
# the target must run again, and the capture must have worked.  The JSON
# is in $TEST_TMP/out.
save_core() {
	local pid=$1 core=$2
	shift 2
	run_cdl -p "$pid" --json --save-core "$core" "$@"
	assert_running "$pid"
	[ "$RC" = 0 ] || [ "$RC" = 2 ] || fail "exit status $RC: $(cat "$TEST_TMP/err")"
	[ -s "$core" ] || fail "no core written: $(cat "$TEST_TMP/err")"
	[ "$(stat -c %a "$core")" = 600 ] || fail "core mode $(stat -c %a "$core"), expected 600"
}

# stop_fixture PID: kill it and wait for it
stop_fixture() {
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# check_notes CORE JSON: readelf reads every note; one NT_PRSTATUS per
# thread that has registers; NT_PRPSINFO, NT_AUXV and NT_FILE once; the
# CDEADLOCK note holds exactly the JSON cdeadlock printed.
check_notes() {
	local core=$1 json=$2 want got off size
	readelf -n "$core" >"$TEST_TMP/notes" 2>"$TEST_TMP/notes.err" ||
		fail "readelf -n $core: $(cat "$TEST_TMP/notes.err")"
	[ ! -s "$TEST_TMP/notes.err" ] || fail "readelf -n complains: $(cat "$TEST_TMP/notes.err")"
	want=$(jq '[.threads[] | select(.unwind_error == null or
		(.unwind_error | test("registers|exited|did not stop") | not))] | length' "$json")
	got=$(grep -c 'NT_PRSTATUS' "$TEST_TMP/notes")
	[ "$got" = "$want" ] || fail "$got NT_PRSTATUS notes for $want threads with registers"
	for n in NT_PRPSINFO NT_AUXV NT_FILE; do
		[ "$(grep -c "$n" "$TEST_TMP/notes")" = 1 ] || fail "not one $n note"
	done
	grep -q 'CDEADLOCK .*0x00004344' "$TEST_TMP/notes" || fail "no CDEADLOCK note of type 0x4344"
	# the snapshot note: in the second PT_NOTE, after a 12-byte header and
	# the 12 bytes of the padded name "CDEADLOCK"
	off=$(readelf -lW "$core" | awk '$1 == "NOTE" { n++; if (n == 2) print $2 }')
	size=$(awk '$1 == "CDEADLOCK" { print $2 }' "$TEST_TMP/notes")
	[ -n "$off" ] && [ -n "$size" ] || fail "the snapshot note is not where it belongs"
	tail -c +$((off + 24 + 1)) "$core" | head -c $((size)) >"$TEST_TMP/note.json"
	cmp -s "$TEST_TMP/note.json" "$json" || fail "the CDEADLOCK note differs from the --json output"
}

# check_gdb_frames EXE CORE JSON WHAT: gdb's backtraces of the core equal
# cdeadlock's frames in JSON
check_gdb_frames() {
	gdb_frames "$1" "$2" >"$TEST_TMP/gdb.tsv"
	[ -s "$TEST_TMP/gdb.tsv" ] || fail "$4: gdb shows no frame of $2"
	cdl_frames "$3" >"$TEST_TMP/cdl.tsv" || fail "$4: unreadable JSON"
	same_frames "$TEST_TMP/gdb.tsv" "$TEST_TMP/cdl.tsv" "$4 (core)"
}

# eu_frames ARGS...: eu-stack's frames ("tid #n pc name" per line) of
# eu-stack ARGS (-p PID, or --core CORE -e EXE); nothing without eu-stack
eu_frames() {
	command -v eu-stack >/dev/null 2>&1 || return 0
	timeout 300 eu-stack "$@" 2>/dev/null |
		awk '/^TID [0-9]+:/ { tid = $2; sub(/:/, "", tid); next }
		     /^#[0-9]+ +0x/ && tid != "" { $1 = tid " " $1; print }'
}

# check_eu_stack LIVE EXE CORE WHAT: eu-stack --core walks the same frames
# as eu-stack -p on the live process (LIVE: its eu_frames, taken before
# the capture)
check_eu_stack() {
	command -v eu-stack >/dev/null 2>&1 || { note "eu-stack not installed: not compared"; return 0; }
	[ -s "$1" ] || fail "$4: eu-stack -p showed no frame"
	eu_frames --core "$3" -e "$2" >"$TEST_TMP/eu-core"
	if ! diff -u "$1" "$TEST_TMP/eu-core" >"$TEST_TMP/diff"; then
		cat "$TEST_TMP/diff"
		fail "$4: eu-stack's frames of the core differ from those of the live process"
	fi
}
