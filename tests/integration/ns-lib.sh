# SPDX-License-Identifier: GPL-2.0-or-later
# ns-lib.sh - helpers for the namespace tests (tests/integration/ns-*.sh).
# Sourced after lib.sh and locks-lib.sh.

command -v unshare >/dev/null 2>&1 || skip "unshare not installed"
unshare --fork --pid --mount-proc true 2>/dev/null || skip "unshare --pid not permitted here"

# ns_start NAME UNSHARE-ARGS... COMMAND: start COMMAND (a fixture) as
# pid 1 of a new PID namespace; sets NS_PID, its pid on the host.  unshare
# kills it when it dies; both are killed on exit.
ns_start() {
	local name=$1 out=$TEST_TMP/$1.ns.out upid deadline=$((SECONDS + 120))
	shift
	unshare --fork --kill-child --pid "$@" >"$out" 2>&1 &
	upid=$!
	FIXTURE_PIDS+=("$upid")
	NS_PID=
	while ! grep -q '^ready' "$out" 2>/dev/null; do
		kill -0 "$upid" 2>/dev/null || fail "unshare $name exited early: $(cat "$out")"
		[ $SECONDS -lt $deadline ] || fail "$name not ready within 120 s"
		sleep 0.02
	done
	grep -q '^ready 1$' "$out" || fail "$name is not pid 1 of its namespace: $(cat "$out")"
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

# check_ns_abba: lock-abba at NS_PID, seen from the host: the cycle, the
# owners (host tids in owner_tid), namespace tids on its threads, frames
# with function names, no layout warning.  J is its JSON.
check_ns_abba() {
	snapshot "$NS_PID"
	expect_rc 2
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
	jq -e '.threads[] | select(.tid == '"$NS_PID"') | .ns_tid == 1 and ([.frames[].function] | index("main"))' "$J" >/dev/null ||
		fail "the main thread is not ns tid 1 in main: $(jq -c '.threads[] | select(.tid == '"$NS_PID"') | {ns_tid, f: [.frames[].function]}' "$J")"
}

# same_as_inside HOST.json IN.json: a snapshot taken from the host and one
# taken inside the namespace agree on every thread: name, verdict, wait
# kind and object, owner (host tids mapped to the namespace's) and the
# function of every frame.  An idle wait counts as "waiting" on both
# sides: how long a thread has slept, which makes it "idle" past --stuck,
# is carried from one capture to the next in a file (see FILES in
# cdeadlock(1)) that a run in another root does not share.
same_as_inside() {
	jq -S '[.threads[] | {tid: (.ns_tid // .tid), name, verdict: (if .verdict == "idle" then "waiting" else .verdict end),
		kind: .wait.kind, symbol: .wait.symbol, owner: .wait.owner_tid, functions: [.frames[].function]}]' "$1" >"$TEST_TMP/host.cmp"
	jq -S '[.threads[] | {tid, name, verdict: (if .verdict == "idle" then "waiting" else .verdict end),
		 kind: .wait.kind, symbol: .wait.symbol, owner: .wait.owner_tid,
		 functions: [.frames[].function]}] | sort_by(.tid)' "$2" >"$TEST_TMP/in.cmp"
	# owners: host tids on the host, namespace tids inside
	jq -S --slurpfile h "$1" '
		($h[0].threads | map({key: (.tid | tostring), value: (.ns_tid // .tid)}) | from_entries) as $m |
		map(.owner |= (if . == null then null else $m[tostring] end)) | sort_by(.tid)' "$TEST_TMP/host.cmp" >"$TEST_TMP/host.cmp2"
	diff -u "$TEST_TMP/in.cmp" "$TEST_TMP/host.cmp2" >&2 || fail "host and inside runs differ"
}
