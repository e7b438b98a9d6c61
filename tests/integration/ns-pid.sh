#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue #10: lock-abba in its own PID namespace, seen from the host.  glibc
# records namespace tids; the verdict, owners and stacks must be those of a
# run inside (nsenter), with owners shown as "tid N (host M)".
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
. "$TESTS_SRCDIR/integration/ns-lib.sh"

ns_start lock-abba --mount-proc "$FIXTURES/lock-abba"
wait_futex_blocked "$NS_PID" 2

# from the host
check_ns_abba
cp "$J" "$TEST_TMP/host.json"

# the text names owners by namespace tid with the host tid
run_cdl -p "$NS_PID"
expect_rc 2
assert_running "$NS_PID"
a_ns=$(jq -r '.threads[] | select(.name == "audit") | .ns_tid' "$TEST_TMP/host.json")
a_host=$(jq -r '.threads[] | select(.name == "audit") | .tid' "$TEST_TMP/host.json")
grep -q "\"audit\", tid $a_ns (host $a_host)" "$TEST_TMP/out" ||
	fail "text does not show audit as tid $a_ns (host $a_host): $(cat "$TEST_TMP/out")"

# the saved snapshot keeps the namespace tids, and says the same again
run_cdl --load "$TEST_TMP/host.json" --json
expect_rc 2
jq -S '[.threads[] | {tid, ns_tid, o: .wait.owner_tid, ons: .wait.owner_ns_tid}]' "$TEST_TMP/out" >"$TEST_TMP/loaded.ns"
jq -S '[.threads[] | {tid, ns_tid, o: .wait.owner_tid, ons: .wait.owner_ns_tid}]' "$TEST_TMP/host.json" >"$TEST_TMP/host.ns"
diff -u "$TEST_TMP/host.ns" "$TEST_TMP/loaded.ns" >&2 || fail "--load lost namespace tids"

# from inside: the same verdict, names, owners (by namespace tid), frames
command -v nsenter >/dev/null 2>&1 || { note "nsenter not installed: no inside run"; exit 0; }
set +e
nsenter -t "$NS_PID" -p -m "$CDEADLOCK" -p 1 --json >"$TEST_TMP/in.json" 2>"$TEST_TMP/err"
RC=$?
expect_rc 2
assert_running "$NS_PID"
same_as_inside "$TEST_TMP/host.json" "$TEST_TMP/in.json"
jq -e '.deadlocks | length == 1' "$TEST_TMP/in.json" >/dev/null || fail "inside: not one deadlock"
note "host and inside agree on $(jq '.threads | length' "$TEST_TMP/in.json") threads"
