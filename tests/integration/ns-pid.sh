#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue #10: lock-abba in its own PID namespace, seen from the host.  glibc
# records namespace tids; the verdict, owners and stacks must be those of a
# run inside (nsenter), with owners shown as "tid N (host M)".
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"

command -v unshare >/dev/null 2>&1 || skip "unshare not installed"
unshare --fork --pid --mount-proc true 2>/dev/null || skip "unshare --pid not permitted here"

# ns_start FIXTURE: start it as pid 1 of a new PID namespace (with its own
# /proc); sets NS_PID, its pid on the host.  unshare kills it when it dies.
ns_start() {
	local exe=$FIXTURES/$1 out=$TEST_TMP/$1.ns.out upid deadline=$((SECONDS + 120))
	[ -x "$exe" ] || fail "fixture $exe not built"
	unshare --fork --kill-child --pid --mount-proc "$exe" >"$out" 2>&1 &
	upid=$!
	FIXTURE_PIDS+=("$upid")
	NS_PID=
	while ! grep -q '^ready' "$out" 2>/dev/null; do
		kill -0 "$upid" 2>/dev/null || fail "unshare $1 exited early: $(cat "$out")"
		[ $SECONDS -lt $deadline ] || fail "$1 not ready within 120 s"
		sleep 0.02
	done
	grep -q '^ready 1$' "$out" || fail "$1 is not pid 1 of its namespace: $(cat "$out")"
	NS_PID=$(cat /proc/"$upid"/task/"$upid"/children 2>/dev/null | tr -d ' ')
	[ -n "$NS_PID" ] && [ -d /proc/"$NS_PID" ] || fail "no child of unshare $upid"
	FIXTURE_PIDS+=("$NS_PID")
	grep -q '^NSpid:[[:space:]]*'"$NS_PID"'[[:space:]]*1$' /proc/"$NS_PID"/status ||
		fail "pid $NS_PID: unexpected NSpid: $(grep NSpid /proc/"$NS_PID"/status)"
}

# functions NAME FILE: the function names of thread NAME's frames in FILE.
functions() {
	jq -c --arg n "$1" '[.threads[] | select(.name == $n) | .frames[].function]' "$2"
}

ns_start lock-abba
wait_futex_blocked "$NS_PID" 2

# from the host
snapshot "$NS_PID"
expect_rc 2
cp "$J" "$TEST_TMP/host.json"
expect_deadlocks cycle 1
expect_deadlocked transfer audit
expect_edge transfer mutex lock_audit audit
expect_edge audit mutex lock_ledger transfer
jq -e '[.warnings[]? | tostring | select(test("layout"))] | length == 0' "$J" >/dev/null ||
	fail "a layout warning: $(jq -c .warnings "$J")"
for n in transfer audit; do
	jq -e --arg n "$n" '.threads[] | select(.name == $n) | .ns_tid > 1 and .ns_tid != .tid' "$J" >/dev/null ||
		fail "thread $n has no namespace tid: $(jq -c --arg n "$n" '.threads[] | select(.name == $n) | {tid, ns_tid}' "$J")"
	functions "$n" "$J" | grep -q "\"$n\"" || fail "thread $n: no frame $n: $(functions "$n" "$J")"
done
jq -e '.threads[] | select(.tid == '"$NS_PID"') | .ns_tid == 1' "$J" >/dev/null || fail "the main thread is not ns tid 1"

# the text names owners by namespace tid with the host tid
run_cdl -p "$NS_PID"
expect_rc 2
assert_running "$NS_PID"
a_ns=$(jq -r '.threads[] | select(.name == "audit") | .ns_tid' "$TEST_TMP/host.json")
a_host=$(jq -r '.threads[] | select(.name == "audit") | .tid' "$TEST_TMP/host.json")
grep -q "\"audit\", tid $a_ns (host $a_host)" "$TEST_TMP/out" ||
	fail "text does not show audit as tid $a_ns (host $a_host): $(cat "$TEST_TMP/out")"

# from inside: the same verdict, names, owners (by namespace tid), frames
command -v nsenter >/dev/null 2>&1 || { note "nsenter not installed: no inside run"; exit 0; }
set +e
nsenter -t "$NS_PID" -p -m "$CDEADLOCK" -p 1 --json >"$TEST_TMP/in.json" 2>"$TEST_TMP/err"
RC=$?
set +e
expect_rc 2
assert_running "$NS_PID"
# the host snapshot in the namespace's numbers
jq -S '[.threads[] | {tid: (.ns_tid // .tid), name, verdict, kind: .wait.kind, symbol: .wait.symbol,
	owner: .wait.owner_tid, functions: [.frames[].function]}]' "$TEST_TMP/host.json" >"$TEST_TMP/host.cmp"
jq -S --slurpfile h "$TEST_TMP/host.json" '
	($h[0].threads | map({key: (.tid | tostring), value: (.ns_tid // .tid)}) | from_entries) as $m |
	[.threads[] | {tid, name, verdict, kind: .wait.kind, symbol: .wait.symbol,
	 owner: .wait.owner_tid, functions: [.frames[].function]}] | sort_by(.tid)' "$TEST_TMP/in.json" >"$TEST_TMP/in.cmp"
# owners: host tids on the host, namespace tids inside
jq -S --slurpfile h "$TEST_TMP/host.json" '
	($h[0].threads | map({key: (.tid | tostring), value: (.ns_tid // .tid)}) | from_entries) as $m |
	map(.owner |= (if . == null then null else $m[tostring] end)) | sort_by(.tid)' "$TEST_TMP/host.cmp" >"$TEST_TMP/host.cmp2"
diff -u "$TEST_TMP/in.cmp" "$TEST_TMP/host.cmp2" >&2 || fail "host and inside runs differ"
jq -e '.deadlocks | length == 1' "$TEST_TMP/in.json" >/dev/null || fail "inside: not one deadlock"
note "host and inside agree on $(jq '.threads | length' "$TEST_TMP/in.json") threads"
