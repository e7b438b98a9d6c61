#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# savecore-roundtrip.sh - `cdeadlock -p PID --json --save-core CORE` now,
# `cdeadlock --core CORE --json` once the process is gone: for lock
# fixtures with distinct verdicts (cycles of 2 and 5 mutexes, a rwlock
# cycle with a thread behind it, a self-deadlock, a join cycle, a condvar
# wait, a recursive mutex that only waits) the core gives the verdict, the
# lock names, the owners, the stacks and the exit status of the live
# capture, computed from the core's registers and memory; and the facts
# only a live capture knows (thread names and states, wait channels,
# blocked times, capture time, pause) come from the snapshot note, so
# core.live_facts is true.  Both runs use --stuck 0: every lock wait
# counts as stuck only if its blocked time is known, so the stuck lists
# and exit statuses agree only when the note's blocked times reached the
# analysis.  And a core of a core is refused.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/core-lib.sh"
. "$TESTS_SRCDIR/integration/savecore-lib.sh"

FIXES="lock-abba lock-ring lock-rwlock lock-self lock-join lock-condvar lock-recursive"

# live_facts JSON: per tid what only a live capture knows
live_facts() {
	jq -S '[.threads[] | {tid, ns_tid, name, state, blocked_for_ms, wchan}]' "$1"
}

# stacks JSON: per tid the functions of its frames
stacks() {
	jq -S '[.threads[] | {tid, functions: [.frames[].function]}]' "$1"
}

# same WHAT A B: files A and B are equal, else the diff and fail
same() {
	diff -u "$2" "$3" >&2 || fail "$1"
}

n=0
for fix in $FIXES; do
	core=$TEST_TMP/$fix.core
	start_fixture "$fix"
	case $fix in
	lock-ring) want=5 ;; lock-rwlock) want=3 ;; lock-self|lock-condvar) want=1 ;; *) want=2 ;;
	esac
	wait_futex_blocked "$FIX_PID" "$want"
	save_core "$FIX_PID" "$core" --stuck 0
	live_rc=$RC
	cp "$TEST_TMP/out" "$TEST_TMP/live.json"
	stop_fixture "$FIX_PID"
	# the live facts are known where a thread waits, or comparing them
	# would prove nothing (not for the noise thread that wakes on a timer:
	# read just as it wakes, its blocked time is honestly unknown)
	jq -e '[.threads[] | select(.wait != null and .wait.kind != "sleep")] | length > 0 and
	       all(.[]; .state != "?" and .blocked_for_ms != null and .wchan != null)' \
		"$TEST_TMP/live.json" >/dev/null ||
		fail "$fix: the live capture does not know its waiting threads' facts: $(live_facts "$TEST_TMP/live.json")"

	run_cdl --core "$core" --json --stuck 0
	[ "$RC" = "$live_rc" ] || fail "$fix: --core exit status $RC, live $live_rc: $(cat "$TEST_TMP/err")"
	cp "$TEST_TMP/out" "$TEST_TMP/core.json"
	lock_summary "$TEST_TMP/live.json" >"$TEST_TMP/live.sum" || fail "$fix: live: no JSON"
	lock_summary "$TEST_TMP/core.json" >"$TEST_TMP/core.sum" ||
		fail "$fix: --core: no JSON: $(head -c 300 "$TEST_TMP/core.json")"
	same "$fix: the core's verdict, lock names or owners differ from the live ones" \
		"$TEST_TMP/live.sum" "$TEST_TMP/core.sum"
	stacks "$TEST_TMP/live.json" >"$TEST_TMP/live.stk"
	stacks "$TEST_TMP/core.json" >"$TEST_TMP/core.stk"
	same "$fix: the core's stacks differ from the live ones" "$TEST_TMP/live.stk" "$TEST_TMP/core.stk"
	live_facts "$TEST_TMP/live.json" >"$TEST_TMP/live.facts"
	live_facts "$TEST_TMP/core.json" >"$TEST_TMP/core.facts"
	same "$fix: the note's live facts did not reach the core's snapshot" \
		"$TEST_TMP/live.facts" "$TEST_TMP/core.facts"
	jq -e --arg p "$core" --slurpfile l "$TEST_TMP/live.json" '
		.core.path == $p and .core.signal == null and .core.live_facts == true and
		.captured_at == $l[0].captured_at and .pause_us == $l[0].pause_us' \
		"$TEST_TMP/core.json" >/dev/null ||
		fail "$fix: core member or capture facts: $(jq -c '{core, captured_at, pause_us}' "$TEST_TMP/core.json")"

	# the text dump says where it came from and when the capture was taken
	run_cdl --core "$core" --dump --stuck 0
	[ "$RC" = "$live_rc" ] || fail "$fix: --core --dump exit status $RC, live $live_rc"
	grep -q "^Read from core $core of process [0-9]*, written by cdeadlock --save-core$" \
		"$TEST_TMP/out" || fail "$fix: text header: $(head -3 "$TEST_TMP/out")"
	grep -q "^Captured $(jq -r .captured_at "$TEST_TMP/live.json"), target paused " \
		"$TEST_TMP/out" || fail "$fix: text header: $(head -3 "$TEST_TMP/out")"
	note "$fix: exit $RC, $(jq '.deadlocks | length' "$TEST_TMP/core.json") deadlock(s), $(jq '.threads | length' "$TEST_TMP/core.json") threads: as live"
	n=$((n + 1))
done

# a core of a core is not a capture: one line, nothing written
run_cdl --core "$TEST_TMP/lock-abba.core" --dump --save-core "$TEST_TMP/again.core"
expect_rc 1
[ "$(wc -l <"$TEST_TMP/err")" = 1 ] &&
	grep -q '^cdeadlock: --save-core: needs a live capture (-p PID): a core of a core is not a capture$' \
		"$TEST_TMP/err" || fail "--core --save-core: $(cat "$TEST_TMP/err")"
[ ! -e "$TEST_TMP/again.core" ] || fail "--core --save-core wrote a file"
[ ! -s "$TEST_TMP/out" ] || fail "--core --save-core printed a dump"
note "ok: $n saved cores gave the live answers"
