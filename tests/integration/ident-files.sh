#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue #10, file identity: names come only from the file that is mapped.
#  - a deleted executable keeps its names (read through map_files);
#  - a library replaced by mv (as a package upgrade does) keeps its names,
#    read from the mapped copy, not from the new file at its path;
#  - a library overwritten in place gives no names from it at all, and a
#    warning naming the file and why.
# The library holds the two mutexes of an ABBA deadlock whose threads
# block in the program's own code (fixid-main.c), so overwriting it does
# not change what runs.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"

for f in fixid-main libfixid.so libfixid-other.so lock-abba; do
	[ -e "$FIXTURES/$f" ] || fail "fixture $FIXTURES/$f not built"
done

# no_wrong_names: no frame or lock in $J is named from the library's other
# build (its symbols).
no_wrong_names() {
	jq -e '[.. | strings | select(test("padding_table|completely_different"))] | length == 0' "$J" >/dev/null ||
		fail "names from the other build: $(jq -c '[.. | strings | select(test("padding_table|completely_different"))]' "$J")"
}

# 1. a deleted executable: its frames and lock names stay
cp -p "$FIXTURES/lock-abba" "$TEST_TMP/lock-abba-gone"
start_program lock-abba-gone "$TEST_TMP/lock-abba-gone"
wait_futex_blocked "$FIX_PID" 2
rm "$TEST_TMP/lock-abba-gone"
grep -q 'lock-abba-gone (deleted)$' /proc/"$FIX_PID"/maps || fail "not mapped as deleted"
snapshot "$FIX_PID"
expect_rc 2
expect_edge transfer mutex lock_audit audit
expect_edge audit mutex lock_ledger transfer
jq -e '[.threads[] | select(.name == "audit") | .frames[] | select(.function == "audit")] | length == 1' "$J" >/dev/null ||
	fail "deleted executable: no frame audit: $(jq -c '[.threads[] | select(.name == "audit") | .frames[].function]' "$J")"
jq -e '[.warnings[]? | tostring | select(test("names unavailable|no symbols"))] | length == 0' "$J" >/dev/null ||
	fail "deleted executable: $(jq -c .warnings "$J")"
kill -KILL "$FIX_PID"

# the library, in a directory of its own, dated before the process starts
mkdir "$TEST_TMP/lib"
lib=$TEST_TMP/lib/libfixid.so
cp -p "$FIXTURES/libfixid.so" "$lib"
cp -p "$FIXTURES/libfixid-other.so" "$TEST_TMP/lib/other.so"

# 2. replaced by mv: the mapped copy's names, exactly
start_program fixid-main "$FIXTURES/fixid-main" "$lib"
wait_futex_blocked "$FIX_PID" 2
cp -p "$TEST_TMP/lib/other.so" "$lib.new"
mv "$lib.new" "$lib"
snapshot "$FIX_PID"
expect_rc 2
expect_deadlocks cycle 1
expect_edge first mutex 'fixid_locks[1]' second
expect_edge second mutex 'fixid_locks[0]' first
no_wrong_names
kill -KILL "$FIX_PID"

# 3. overwritten in place (same inode, new bytes): the deadlock is still
# proven (the owners are in libc's memory), but no name comes from the
# library, and a warning says which file and why
cp -p "$FIXTURES/libfixid.so" "$lib"
start_program fixid-main "$FIXTURES/fixid-main" "$lib"
wait_futex_blocked "$FIX_PID" 2
# the kernel dates a process's start to a clock tick: write clearly after it
sleep 0.1
ino=$(stat -c %i "$lib")
cp "$TEST_TMP/lib/other.so" "$lib"
[ "$(stat -c %i "$lib")" = "$ino" ] || fail "cp did not write in place"
snapshot "$FIX_PID"
expect_rc 2
expect_deadlocks cycle 1
expect_edge first mutex null second
expect_edge second mutex null first
no_wrong_names
jq -e --arg l "$lib" '[.warnings[] | select(startswith("names unavailable in " + $l + ": it was written in place"))] | length == 1' "$J" >/dev/null ||
	fail "overwritten library: no warning: $(jq -c .warnings "$J")"
jq -e --arg l "$lib" '[.warnings[] | select(test("debug info for " + $l))] | length == 0' "$J" >/dev/null ||
	fail "overwritten library: debug info advice: $(jq -c .warnings "$J")"
note "$(jq -r --arg l "$lib" '.warnings[] | select(contains($l))' "$J")"
kill -KILL "$FIX_PID"

# 4. no debug info: said under the name the process runs as (a symlink's),
# with the -dbgsym advice only for a file a Debian package installed
[ -x "$FIXTURES/lock-abba-stripped" ] || fail "fixture lock-abba-stripped not built"
cp -p "$FIXTURES/lock-abba-stripped" "$TEST_TMP/lib/bank-daemon"
ln -s "$TEST_TMP/lib/bank-daemon" "$TEST_TMP/bankd"
start_program bankd "$TEST_TMP/bankd"
wait_futex_blocked "$FIX_PID" 2
set +e
env -u DEBUGINFOD_URLS unshare --mount sh -c '[ ! -d /usr/lib/debug ] ||
	mount -t tmpfs cdl-nodebug /usr/lib/debug || exit 99; exec "$@"' - \
	${CDL_WRAPPER:-} "$CDEADLOCK" -p "$FIX_PID" --json >"$TEST_TMP/out" 2>"$TEST_TMP/err"
RC=$?
[ $RC != 99 ] || skip "cannot hide /usr/lib/debug"
J=$TEST_TMP/out
expect_rc 2
jq -e --arg p "$TEST_TMP/lib/bank-daemon" '[.warnings[] | select(startswith("no debug info for " + $p +
	" (run as '"'bankd'"'): the file has none, and no separate debug file with its build-id"))] | length == 1' "$J" >/dev/null ||
	fail "no debug info: $(jq -c .warnings "$J")"
jq -e '[.warnings[] | select(test("bank-daemon.*dbgsym"))] | length == 0' "$J" >/dev/null ||
	fail "-dbgsym advice for a file no package installed: $(jq -c .warnings "$J")"
libc=$(awk '$6 ~ /\/libc\.so\.6$/ { print $6; exit }' /proc/"$FIX_PID"/maps)
if command -v dpkg >/dev/null 2>&1 && dpkg -S "$libc" >/dev/null 2>&1; then
	jq -e --arg p "$libc" '[.warnings[] | select(startswith("no debug info for " + $p + ": install libc6-dbg"))] | length == 1' "$J" >/dev/null ||
		fail "libc: no package advice: $(jq -c .warnings "$J")"
fi
note "$(jq -r '.warnings[]' "$J")"
