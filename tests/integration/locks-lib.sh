# SPDX-License-Identifier: GPL-2.0-or-later
# locks-lib.sh - helpers for the lock verdict tests (tests/integration/locks-*.sh).
# Sourced after lib.sh.  Every check reads the JSON of the last snapshot.

need_jq

# snapshot PID [ARGS...]: cdeadlock -p PID --json; the target must run again.
snapshot() {
	local pid=$1
	shift
	run_cdl -p "$pid" --json "$@"
	assert_running "$pid"
	J=$TEST_TMP/out
	jq -e '.threads' "$J" >/dev/null 2>&1 || fail "no JSON snapshot (rc $RC): $(head -c 500 "$J") $(cat "$TEST_TMP/err")"
}

# tid_of NAME: the tid of the only thread called NAME.
tid_of() {
	local t
	t=$(jq -r --arg n "$1" '[.threads[] | select(.name == $n) | .tid] | if length == 1 then .[0] else "none" end' "$J")
	[ "$t" != none ] || fail "no single thread named $1"
	echo "$t"
}

# expect_deadlocked NAME...: exactly these threads appear in the deadlocks.
expect_deadlocked() {
	local want got
	want=$(printf '%s\n' "$@" | sed '/^$/d' | sort | tr '\n' ' ')
	got=$(jq -r '[.deadlocks[].threads[]] as $d | .threads[] | select(.tid as $t | $d | index($t)) | .name' "$J" | sort | tr '\n' ' ')
	[ "$got" = "$want" ] || fail "deadlocked threads: got '$got', want '$want'; $(jq -c .deadlocks "$J")"
}

# expect_deadlocks TYPE N: N deadlocks in all, all of type TYPE; each
# cycle starts with its smallest tid and its edges chain its threads.
expect_deadlocks() {
	jq -e --arg t "$1" --argjson n "$2" '
		(.deadlocks | length == $n) and all(.deadlocks[]; .type == $t) and
		all(.deadlocks[] | select(.type == "cycle");
		    .threads[0] == (.threads | min) and
		    (.edges | length) == (.threads | length) and
		    ([.edges[].waiter_tid] == .threads))' "$J" >/dev/null ||
		fail "expected $2 deadlock(s) of type $1: $(jq -c .deadlocks "$J")"
}

# expect_edge WAITER KIND SYMBOL OWNER: the deadlock edge WAITER -> OWNER
# on the object SYMBOL of KIND (SYMBOL "null" for an unnamed object); the
# waiter's own wait says the same, and its verdict is deadlocked/orphaned.
# OWNER may be a thread name or "tid:N".
expect_edge() {
	local w o
	w=$(tid_of "$1")
	case $4 in
	tid:*) o=${4#tid:} ;;
	*) o=$(tid_of "$4") ;;
	esac
	jq -e --argjson w "$w" --argjson o "$o" --arg k "$2" --arg s "$3" '
		def sym: if . == null then "null" else . end;
		([.deadlocks[].edges[] | select(.waiter_tid == $w and .owner_tid == $o and
		  .kind == $k and (.symbol | sym) == $s)] | length == 1) and
		(.threads[] | select(.tid == $w) |
		 .wait.kind == $k and .wait.owner_tid == $o and (.wait.symbol | sym) == $s and
		 (.verdict == "deadlocked" or .verdict == "orphaned"))' "$J" >/dev/null ||
		fail "no edge $1 -[$2 $3]-> $4: $(jq -c --argjson w "$w" '.deadlocks, (.threads[] | select(.tid == $w) | {verdict, wait})' "$J")"
}

# expect_wait NAME KIND SYMBOL OWNER VERDICT: a thread's wait and verdict
# (OWNER a thread name, "tid:N" or "null").
expect_wait() {
	local w o
	w=$(tid_of "$1")
	case $4 in
	null) o=null ;;
	tid:*) o=${4#tid:} ;;
	*) o=$(tid_of "$4") ;;
	esac
	jq -e --argjson w "$w" --argjson o "$o" --arg k "$2" --arg s "$3" --arg v "$5" '
		def sym: if . == null then "null" else . end;
		.threads[] | select(.tid == $w) |
		.wait.kind == $k and .wait.owner_tid == $o and (.wait.symbol | sym) == $s and
		.verdict == $v' "$J" >/dev/null ||
		fail "wait of $1: $(jq -c --argjson w "$w" '.threads[] | select(.tid == $w) | {verdict, wait}' "$J"), want $2 $3 owner $4 $5"
}

# expect_noise_quiet: the idle noise threads are in no verdict (idle at
# most: a sleep and a read are waits for time and events).
expect_noise_quiet() {
	jq -e '[.deadlocks[].threads[]] as $d |
		[.threads[] | select(.name | startswith("noise-"))] as $n |
		($n | length) >= 1 and
		all($n[]; (.tid as $t | $d | index($t) | not) and
		    (.verdict == "waiting" or .verdict == "idle" or .verdict == "none"))' "$J" >/dev/null ||
		fail "noise threads in a verdict: $(jq -c '[.threads[] | select(.name | startswith("noise-")) | {name, verdict}]' "$J")"
}

# expect_flag NAME FLAG [no]: the thread's wait carries FLAG (with "no":
# does not).
expect_flag() {
	local w want=true
	[ "${3:-}" = no ] && want=false
	w=$(tid_of "$1")
	jq -e --argjson w "$w" --arg f "$2" --argjson want $want \
		'.threads[] | select(.tid == $w) | (.wait.flags | index($f) != null) == $want' "$J" >/dev/null ||
		fail "wait of $1: flag $2 expected $want: $(jq -c --argjson w "$w" '.threads[] | select(.tid == $w) | .wait' "$J")"
}

# check_abba FIXTURE: the two-mutex cycle of lock-abba (any build).
check_abba() {
	start_fixture "$1"
	wait_futex_blocked "$FIX_PID" 2
	snapshot "$FIX_PID"
	expect_rc 2
	expect_deadlocks cycle 1
	expect_deadlocked transfer audit
	expect_edge transfer mutex lock_audit audit
	expect_edge audit mutex lock_ledger transfer
	expect_noise_quiet
}

# snapshot_undecided PID N: snapshot with --stuck 1 until N threads are
# undecided (exit 3).  On a loaded machine a capture can come before they
# have all waited the second out; gives up after 120 s and leaves the
# last snapshot for the checks to report.
snapshot_undecided() {
	local deadline=$((SECONDS + 120))
	while :; do
		snapshot "$1" --stuck 1
		[ "$RC" = 3 ] && jq -e --argjson n "$2" '(.undecided | length) == $n' "$J" >/dev/null 2>&1 && break
		[ $SECONDS -lt $deadline ] || break
		sleep 0.5
	done
}
