#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# core-files.sh - `cdeadlock --core` finding (and refusing) files, and bad
# cores.  A copy of the lock-abba fixture runs from a test-owned path and
# is dumped (gcore, else a kernel core); then:
#   - the zstd-compressed core reads the same;
#   - with the program moved away: a one-line error naming it, exit 1;
#     `--core CORE EXE` and `--sysroot DIR` (a copied tree) read the same;
#     `-p PID --sysroot DIR` on a live copy names the locks from DIR;
#   - a file in DIR whose build-id differs (a rebuilt one): a warning
#     naming the file and both build-ids, and no names from it (the
#     executable: the deadlock stays, its lock names go); the C library:
#     an error (no lock owners without it, so no verdict);
#   - a library missing from DIR: a warning naming it;
#   - not a core, cut, another architecture, corrupt zstd: one line, exit 1;
#   - --core with -p or --load, --sysroot with --load: usage errors;
#   - the TUI shows the core (headless keys) and has nothing to refresh.
. "$TESTS_SRCDIR/lib.sh"
need_jq

DUMP=$TOP_BUILDDIR/tests/unit/core-dump
[ -x "$DUMP" ] || fail "$DUMP not built"
APP=$TEST_TMP/app
mkdir -p "$APP" "$TEST_TMP/moved"
cp "$FIXTURES/lock-abba-plain" "$APP/lock-abba"    # no sanitizer in it

# the verdict, lock names and owners by tid, and the frames' functions
summary() {
	jq -S '{deadlocks: [.deadlocks[] | {type, threads, edges: [.edges[] |
		  {waiter_tid, owner_tid, kind, symbol}]}],
		threads: [.threads[] | {tid, verdict, wait: (if .wait == null then null else
		  {kind: .wait.kind, symbol: .wait.symbol, owner_tid: .wait.owner_tid} end),
		  functions: [.frames[].function]}]}' "$1"
}

# one_line PATTERN: exit 1 and a first line "cdeadlock: ..." with PATTERN
one_line() {
	[ "$RC" = 1 ] || fail "exit status $RC, want 1: $(cat "$TEST_TMP/err")"
	head -1 "$TEST_TMP/err" | grep -q "^cdeadlock: .*$1" ||
		fail "'$1' not in the first line: $(cat "$TEST_TMP/err")"
	[ "$(grep -vc '^cdeadlock: hint: ' "$TEST_TMP/err")" = 1 ] ||
		fail "more than one line (and a hint): $(cat "$TEST_TMP/err")"
}

FIXTURES=$APP start_fixture lock-abba
wait_futex_blocked "$FIX_PID" 2
pid=$FIX_PID
CORE=$TEST_TMP/abba.core
if [ -n "${GDB:-}" ]; then
	timeout 120 "$GDB" -batch -nx -p "$pid" -ex "gcore $CORE" >"$TEST_TMP/gdb.out" 2>&1 ||
		fail "gcore failed: $(tail -3 "$TEST_TMP/gdb.out")"
	assert_running "$pid"
else
	case $(cat /proc/sys/kernel/core_pattern) in
	'|'*|*/*|'') skip "no gdb, and core_pattern does not write a file here" ;;
	esac
	command -v prlimit >/dev/null 2>&1 || skip "no gdb, no prlimit"
	skip "gdb not installed (this test keeps the process running after the core)"
fi

run_cdl --core "$CORE" --json
expect_rc 2
summary "$TEST_TMP/out" >"$TEST_TMP/base.sum"
jq -e '[.deadlocks[].edges[].symbol] | sort == ["lock_audit", "lock_ledger"]' "$TEST_TMP/out" >/dev/null ||
	fail "lock names: $(jq -c .deadlocks "$TEST_TMP/out")"
jq -e '[.threads[].frames[].function] | index("transfer") and index("audit")' "$TEST_TMP/out" >/dev/null ||
	fail "no user frames: $(jq -c '[.threads[].frames[].function]' "$TEST_TMP/out")"
note "core: exit 2, locks lock_ledger and lock_audit named"
# the JSON of a core keeps the contract (with its "core" member)
if command -v python3 >/dev/null 2>&1 && python3 -c 'import jsonschema' 2>/dev/null; then
	python3 - "$TESTS_SRCDIR/expected/snapshot.schema.json" "$TEST_TMP/out" <<'PY' ||
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
assert doc["core"]["live_facts"] is False and doc["core"]["signal"] is None, doc["core"]
jsonschema.validators.validator_for(schema)(schema, format_checker=jsonschema.FormatChecker()).validate(doc)
PY
		fail "the core's JSON does not match the contract"
	note "the core's JSON matches the contract"
fi

# a copied tree: the program and every file the core maps
ROOT=$TEST_TMP/root
"$DUMP" "$CORE" | awk '$1 == "module" && $NF ~ /^\// {print $NF}' | sort -u >"$TEST_TMP/files"
grep -qx "$APP/lock-abba" "$TEST_TMP/files" || fail "the program is not among the core's modules: $(cat "$TEST_TMP/files")"
while read -r f; do
	mkdir -p "$ROOT$(dirname "$f")"
	cp "$f" "$ROOT$f" || fail "copy $f"
done <"$TEST_TMP/files"
LIBC=$(grep '/libc\.so' "$TEST_TMP/files" | head -1)
LDSO=$(grep '/ld-linux' "$TEST_TMP/files" | head -1)
[ -n "$LIBC" ] && [ -n "$LDSO" ] || fail "libc or ld.so not in the core: $(cat "$TEST_TMP/files")"

# the live source under --sysroot: the same names from the copies
run_cdl -p "$pid" --json --sysroot "$ROOT"
expect_rc 2
jq -e '[.deadlocks[].edges[].symbol] | sort == ["lock_audit", "lock_ledger"]' "$TEST_TMP/out" >/dev/null ||
	fail "-p --sysroot: lock names: $(jq -c .deadlocks "$TEST_TMP/out")"
# ... and it is DIR's copy that is read: a stripped one names nothing
if command -v eu-strip >/dev/null 2>&1; then
	cp "$ROOT$APP/lock-abba" "$TEST_TMP/exe.copy"
	eu-strip "$ROOT$APP/lock-abba" || fail "eu-strip"
	run_cdl -p "$pid" --json --sysroot "$ROOT"
	expect_rc 2
	jq -e '[.deadlocks[].edges[].symbol] == [null, null]' "$TEST_TMP/out" >/dev/null ||
		fail "-p --sysroot: names from a file outside DIR: $(jq -c .deadlocks "$TEST_TMP/out")"
	cp "$TEST_TMP/exe.copy" "$ROOT$APP/lock-abba"
fi
note "-p PID --sysroot: the same lock names, from DIR's files"
kill -KILL "$pid"
wait "$pid" 2>/dev/null

# zstd-compressed: the same
if command -v zstd >/dev/null 2>&1; then
	zstd -q -3 -o "$CORE.zst" "$CORE" || fail "zstd"
	run_cdl --core "$CORE.zst" --json
	expect_rc 2
	summary "$TEST_TMP/out" | diff -u "$TEST_TMP/base.sum" - >&2 || fail "zstd core reads differently"
	cp "$CORE.zst" "$TEST_TMP/bad.zst"
	printf '\377\377\377\377\377\377\377\377' | dd of="$TEST_TMP/bad.zst" bs=1 seek=300 conv=notrunc 2>/dev/null
	run_cdl --core "$TEST_TMP/bad.zst" --dump
	one_line "zstd data"
	note "zstd: the same; corrupt: $(head -1 "$TEST_TMP/err")"
else
	note "zstd not installed: compressed part not run"
fi

# the program moved away
mv "$APP/lock-abba" "$TEST_TMP/moved/lock-abba"
run_cdl --core "$CORE" --dump
one_line "the executable $APP/lock-abba is not found"
grep -q "^cdeadlock: hint: .*--sysroot" "$TEST_TMP/err" || fail "no hint: $(cat "$TEST_TMP/err")"
note "missing program: $(head -1 "$TEST_TMP/err")"
run_cdl -c "$CORE" "$TEST_TMP/moved/lock-abba" --json
expect_rc 2
summary "$TEST_TMP/out" | diff -u "$TEST_TMP/base.sum" - >&2 || fail "--core CORE EXE differs"
run_cdl --core "$CORE" --sysroot "$ROOT" --json
expect_rc 2
summary "$TEST_TMP/out" | diff -u "$TEST_TMP/base.sum" - >&2 || fail "--sysroot differs"
jq -e '[.warnings[] | select(test("not found|not the one"))] | length == 0' "$TEST_TMP/out" >/dev/null ||
	fail "--sysroot warnings: $(jq -c .warnings "$TEST_TMP/out")"
note "--core CORE EXE and --sysroot DIR: the same verdict, names and frames"

# separate debug information under the sysroot, found by build-id: the
# program stripped in the tree, its DWARF in ROOT/usr/lib/debug/.build-id
if command -v eu-strip >/dev/null 2>&1; then
	exe_bid=$(eu-readelf -n "$ROOT$APP/lock-abba" | awk '/Build ID:/ {print $3}')
	cp "$ROOT$APP/lock-abba" "$TEST_TMP/exe.full"
	mkdir -p "$ROOT/usr/lib/debug/.build-id/${exe_bid:0:2}"
	eu-strip -f "$ROOT/usr/lib/debug/.build-id/${exe_bid:0:2}/${exe_bid:2}.debug" \
		-o "$ROOT$APP/lock-abba" "$TEST_TMP/exe.full" || fail "eu-strip"
	run_cdl --core "$CORE" --sysroot "$ROOT" --json
	expect_rc 2
	jq -e '[.threads[].frames[] | select(.function == "transfer") | .file] | .[0] | endswith("lock-abba.c")' \
		"$TEST_TMP/out" >/dev/null || fail "no lines from the debug file under the sysroot: $(jq -c '[.threads[].frames[] | {function, file}]' "$TEST_TMP/out")"
	rm -r "$ROOT/usr/lib/debug"
	run_cdl --core "$CORE" --sysroot "$ROOT" --json
	jq -e '[.threads[].frames[] | select(.file != null and (.file | endswith("lock-abba.c")))] | length == 0' \
		"$TEST_TMP/out" >/dev/null || fail "lines without the debug file?"
	cp "$TEST_TMP/exe.full" "$ROOT$APP/lock-abba"
	note "separate debug file under --sysroot found by build-id"
else
	note "eu-strip not installed: separate debug file part not run"
fi

# rebuild FILE: give FILE another build-id (a rebuilt copy); its old
# and new build-ids in OLD and NEW
rebuild() {
	OLD=$(eu-readelf -n "$1" 2>/dev/null | awk '/Build ID:/ {print $3}')
	[ -n "$OLD" ] || OLD=$(readelf -n "$1" | awk '/Build ID:/ {print $3}')
	[ -n "$OLD" ] || fail "no build-id in $1"
	NEW=$(printf '%s' "$OLD" | tr '0123456789abcdef' '123456789abcdef0')
	perl -0777 -pi -e "s/$(printf '%s' "$OLD" | sed 's/../\\x&/g')/$(printf '%s' "$NEW" | sed 's/../\\x&/g')/" "$1"
}

# a rebuilt executable: its names refused, said so; the verdict stays
cp "$ROOT$APP/lock-abba" "$TEST_TMP/exe.orig"
rebuild "$ROOT$APP/lock-abba"
run_cdl --core "$CORE" --sysroot "$ROOT" --json
expect_rc 2
jq -e --arg f "$ROOT$APP/lock-abba" --arg o "$OLD" --arg n "$NEW" '[.warnings[] |
	select(contains($f) and contains("is not the one the core mapped") and contains($o) and contains($n))] |
	length == 1' "$TEST_TMP/out" >/dev/null || fail "no mismatch warning: $(jq -c .warnings "$TEST_TMP/out")"
jq -e '[.deadlocks[].edges[].symbol] == [null, null] and
       ([.threads[].frames[].function] | index("transfer") | not)' "$TEST_TMP/out" >/dev/null ||
	fail "names from the rebuilt executable: $(jq -c '.deadlocks, [.threads[].frames[].function]' "$TEST_TMP/out")"
note "rebuilt executable: deadlock kept, no names: $(jq -r '.warnings[] | select(contains("is not the one"))' "$TEST_TMP/out")"
cp "$TEST_TMP/exe.orig" "$ROOT$APP/lock-abba"

# a rebuilt ld.so: a warning, nothing else changes
rebuild "$ROOT$LDSO"
run_cdl --core "$CORE" --sysroot "$ROOT" --json
expect_rc 2
jq -e --arg f "$ROOT$LDSO" --arg n "$NEW" '[.warnings[] | select(contains($f) and contains($n))] | length == 1' \
	"$TEST_TMP/out" >/dev/null || fail "no mismatch warning for $LDSO: $(jq -c .warnings "$TEST_TMP/out")"
jq -e '[.deadlocks[].edges[].symbol] | sort == ["lock_audit", "lock_ledger"]' "$TEST_TMP/out" >/dev/null ||
	fail "rebuilt ld.so: lock names: $(jq -c .deadlocks "$TEST_TMP/out")"

# a rebuilt libc: its lock layouts cannot be trusted: an error, not a
# verdict without owners
rebuild "$ROOT$LIBC"
run_cdl --core "$CORE" --sysroot "$ROOT" --json
one_line "the C library $ROOT$LIBC is not the one the core mapped (build-id $NEW, the core's $OLD)"
note "rebuilt libc: $(head -1 "$TEST_TMP/err")"
cp "$LIBC" "$ROOT$LIBC"

# a missing ld.so in the tree: a warning naming it
rm "$ROOT$LDSO"
run_cdl --core "$CORE" --sysroot "$ROOT" --json
expect_rc 2
jq -e --arg f "$ROOT$LDSO" '[.warnings[] | select(contains($f) and contains("not found under the sysroot"))] | length == 1' \
	"$TEST_TMP/out" >/dev/null || fail "no warning for the missing $LDSO: $(jq -c .warnings "$TEST_TMP/out")"

# bad cores: one line, exit 1
run_cdl --core "$TEST_TMP/moved/lock-abba" --dump
one_line "not a core file"
head -c 100 "$CORE" >"$TEST_TMP/cut"
run_cdl --core "$TEST_TMP/cut" --dump
one_line "truncated core"
cp "$CORE" "$TEST_TMP/arm.core"
printf '\267\000' | dd of="$TEST_TMP/arm.core" bs=1 seek=18 conv=notrunc 2>/dev/null   # EM_AARCH64
run_cdl --core "$TEST_TMP/arm.core" --dump
one_line "another architecture (aarch64)"
run_cdl --core "$TEST_TMP/nonexistent" --dump
one_line "nonexistent"
note "not a core, cut, aarch64, missing: one line each"

# conflicts
run_cdl --core "$CORE" -p 1 --dump
one_line "conflicting options: --pid and --core"
run_cdl --core "$CORE" --load x.json --dump
one_line "conflicting options: --load and --core"
run_cdl --load x.json --sysroot "$ROOT" --dump
one_line "conflicting options: --sysroot"

# the TUI, headless: the core in the header, nothing to refresh
run_cdl --core "$CORE" "$TEST_TMP/moved/lock-abba" --keys 'r<Dump>' --size 100x30
expect_rc 0
grep -q "core abba.core" "$TEST_TMP/out" || fail "TUI header lacks the core: $(head -3 "$TEST_TMP/out")"
grep -q "nothing to refresh: this snapshot was loaded from $CORE" "$TEST_TMP/out" ||
	fail "TUI refresh: $(tail -3 "$TEST_TMP/out")"
# a core does not say how long a thread has been blocked: "?", not "0 ms"
grep -Eq '^> D +[0-9]+ .* mutex +lock_audit +[0-9]+ +\?( |$)' "$TEST_TMP/out" && ! grep -q ' 0 ms' "$TEST_TMP/out" ||
	fail "TUI blocked column: $(grep ' mutex ' "$TEST_TMP/out")"
note "TUI: shows the core, no refresh"
