#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# CPython 3.11 (/usr/bin/python3): every Python-level wait is the same
# glibc semaphore wait; the Python frames, read from the interpreter,
# tell them apart.  Two threads in a threading.Lock ABBA are lock waits
# whose owner the lock does not record: exit 3, both undecided.  A thread
# in queue.Queue().get() and one in Condition.wait() are idle; the main
# thread's Thread.join() waits for the thread it joins (its tstate lock).
# The Python frames are in the stacks, flagged "python", with file:line.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || skip "no $PY"
"$PY" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' ||
	skip "$PY is not CPython 3.11, the only frame layout cdeadlock knows"

start_program lock-python "$PY" -I "$TESTS_SRCDIR/fixtures/lock-python.py"
pid=$FIX_PID
wait_futex_blocked "$pid" 5

# py_tid FUNCTION: the tid of the only thread with a Python frame FUNCTION
py_tid() {
	local t
	t=$(jq -r --arg f "$1" '[.threads[] | select(any(.frames[]; .python and .function == $f)) |
		.tid] | if length == 1 then .[0] else "none" end' "$J")
	[ "$t" != none ] || fail "no single thread in Python function $1: $(jq -c '[.threads[] | {tid, wait}]' "$J")"
	echo "$t"
}

snapshot "$pid" --stuck 1
if grep -q "frame layout is not known" "$J"; then
	skip "this CPython's frame layout is not known: $(jq -r '.warnings[]' "$J" | grep layout)"
fi
if grep -q "not told apart without" "$J"; then
	skip "no debug information for $PY (install python3.11-dbg): a Lock is not told from a queue"
fi
snapshot_undecided "$pid" 2
expect_rc 3
expect_deadlocks cycle 0
a=$(py_tid first)
b=$(py_tid second)
q=$(py_tid idle_queue)
c=$(py_tid idle_condition)
for t in $a $b; do
	jq -e --argjson t "$t" '
		(.threads[] | select(.tid == $t) | .wait.kind == "mutex" and .wait.owner_tid == null and
		 (.wait.flags | index("owner_unknown")) and .wait.detail == "CPython threading.Lock" and
		 .verdict == "stuck") and (.undecided | index($t))' "$J" >/dev/null ||
		fail "$t: not an undecided threading.Lock wait: $(jq -c --argjson t "$t" '(.threads[] | select(.tid == $t) | {verdict, wait}), .undecided' "$J")"
done
jq -e '.undecided | length == 2' "$J" >/dev/null || fail "undecided: $(jq -c .undecided "$J")"
jq -e --argjson q "$q" --argjson c "$c" '
	(.threads[] | select(.tid == $q) | .wait.kind == "condvar" and
	 (.wait.detail | test("Condition.wait in Queue.get")) and .verdict == "idle") and
	(.threads[] | select(.tid == $c) | .wait.kind == "condvar" and
	 (.wait.detail | test("Condition.wait in idle_condition")) and .verdict == "idle")' "$J" >/dev/null ||
	fail "queue/condition waits not idle: $(jq -c --argjson q "$q" --argjson c "$c" '.threads[] | select(.tid == $q or .tid == $c) | {verdict, wait}' "$J")"
# the main thread joins `first`: the tstate lock it waits on is first's
jq -e --argjson p "$pid" --argjson a "$a" '.threads[] | select(.tid == $p) |
	.wait.kind == "join" and .wait.owner_tid == $a' "$J" >/dev/null ||
	fail "main's join: $(jq -c --argjson p "$pid" '.threads[] | select(.tid == $p) | .wait' "$J")"
# the frames: innermost Python frame of `first` is at its inner `with`
jq -e --argjson a "$a" '.threads[] | select(.tid == $a) |
	[.frames[] | select(.python)] | .[0].function == "first" and
	(.[0].file | endswith("lock-python.py")) and .[0].line == 20 and
	.[-1].function == "Thread._bootstrap"' "$J" >/dev/null ||
	fail "first's Python frames: $(jq -c --argjson a "$a" '.threads[] | select(.tid == $a) | [.frames[] | select(.python)]' "$J")"
cp "$J" "$TEST_TMP/py.json"

run_cdl -p "$pid" --dump --stuck 1
expect_rc 3
grep -q 'No deadlock proven, but .* on locks whose owner is not known (CPython threading.Lock)' \
	"$TEST_TMP/out" || fail "no undecided verdict: $(head -6 "$TEST_TMP/out")"
grep -Eq ' in first \(.*lock-python.py:20\) \[python\]$' "$TEST_TMP/out" ||
	fail "no Python frame in the text: $(grep -m3 python "$TEST_TMP/out")"
# a saved snapshot keeps the Python frames
run_cdl --load "$TEST_TMP/py.json" --dump --stuck 1
expect_rc 3
grep -q '\[python\]$' "$TEST_TMP/out" || fail "--load lost the Python frames"
