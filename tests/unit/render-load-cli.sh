#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# render-load-cli.sh - `cdeadlock --load` over the saved snapshots in
# tests/expected: the same text, grouped text and JSON as the renderer gave
# the original snapshot, the same verdict (exit 2 with a deadlock, 3 with
# undecided lock waits only, 0 without), and one-line errors with exit 1 for bad files.  No process is
# attached.
. "$TESTS_SRCDIR/lib.sh"

exp=$TESTS_SRCDIR/expected
run() { ${CDL_WRAPPER:-} "$CDEADLOCK" "$@"; }

for f in "$exp"/render-*.json; do
	name=$(basename "$f" .json)
	want=2
	grep -q '"deadlocks": \[\]' "$f" && want=0
	[ $want = 0 ] && grep -q '"undecided": \[' "$f" && want=3
	case $name in render-strings) continue ;; esac   # not UTF-8: lossy by design

	run --load "$f" --dump >"$TEST_TMP/out.txt" 2>"$TEST_TMP/err"
	rc=$?
	[ "$rc" = "$want" ] || fail "$name: --dump exit status $rc, want $want: $(cat "$TEST_TMP/err")"
	grep -v '^Loaded from ' "$TEST_TMP/out.txt" | diff -u "$exp/$name.txt" - ||
		fail "$name: --load --dump differs from the original rendering"
	grep -qx "Loaded from $f" "$TEST_TMP/out.txt" || fail "$name: no 'Loaded from' line"

	run --load "$f" --dump --group | grep -v '^Loaded from ' |
		diff -u "$exp/$name-group.txt" - || fail "$name: --group differs"

	run --load "$f" --json | sed 's/"version": "[^"]*"/"version": "@VERSION@"/' |
		diff -u "$f" - || fail "$name: --load --json differs"
	note "ok: $name (exit $want)"
done

# bad files: exit 1 and exactly one line on stderr naming the file
check_bad() {
	local what=$1 file=$2 pattern=$3
	run --load "$file" --dump >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	local rc=$?
	[ "$rc" = 1 ] || fail "$what: exit status $rc, want 1"
	[ "$(wc -l <"$TEST_TMP/err")" = 1 ] || fail "$what: stderr is not one line: $(cat "$TEST_TMP/err")"
	grep -q -- "$pattern" "$TEST_TMP/err" || fail "$what: stderr lacks '$pattern': $(cat "$TEST_TMP/err")"
	[ -s "$TEST_TMP/out" ] && fail "$what: wrote to stdout"
	note "ok: $what: $(cat "$TEST_TMP/err")"
}

head -c 1000 "$exp/render-cycle2.json" >"$TEST_TMP/truncated.json"
check_bad truncated "$TEST_TMP/truncated.json" "^cdeadlock: load: $TEST_TMP/truncated.json: line .* column .*: unexpected end of file"
: >"$TEST_TMP/empty.json"
check_bad empty "$TEST_TMP/empty.json" "empty file"
check_bad missing "$TEST_TMP/missing.json" "No such file or directory"
sed 's/"schema_version": 1/"schema_version": 2/' "$exp/render-none.json" >"$TEST_TMP/v2.json"
check_bad version "$TEST_TMP/v2.json" "schema_version 2 is not supported"
sed '5s/,$/;/' "$exp/render-none.json" >"$TEST_TMP/corrupt.json"
check_bad corrupt "$TEST_TMP/corrupt.json" "line 5 column .*: expected ',' or '}'"
printf 'garbage' >"$TEST_TMP/garbage.json"
check_bad garbage "$TEST_TMP/garbage.json" "line 1 column 1"
exit 0
