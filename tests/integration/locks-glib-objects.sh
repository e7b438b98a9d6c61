#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# GLib's other objects (tests/fixtures/lock-glib-objects.c).  A GRecMutex
# and a GRWLock are glibc objects on the heap that record their owner: an
# ABBA of two GRecMutexes is a proven cycle, a GRWLock's waiters name the
# writer.  A GCond is not a lock: idle thread pools, GAsyncQueue pops and
# g_cond_wait(_until) waiters are idle, never "not proven, not excluded".
# A g_bit_lock records no owner: its waiter is an honest unknown.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
[ -x "$FIXTURES/lock-glib-objects" ] ||
	skip "tests/fixtures/lock-glib-objects not built: configure found no glib-2.0 (install libglib2.0-dev)"

# ---- GRecMutex ABBA: a cycle with owners, exit 2
start_fixture lock-glib-objects recabba
wait_futex_blocked "$FIX_PID" 2
snapshot "$FIX_PID"
expect_rc 2
expect_deadlocks cycle 1
expect_deadlocked grtransfer graudit
expect_edge grtransfer mutex null graudit
expect_edge graudit mutex null grtransfer
expect_flag grtransfer recursive
expect_noise_quiet
kill "$FIX_PID"

# ---- GRWLock write-held by main: both waiters name it (and GLib's lock)
start_fixture lock-glib-objects rwlock
wait_futex_blocked "$FIX_PID" 2
snapshot "$FIX_PID" --stuck 3600
expect_rc 0
expect_deadlocks cycle 0
expect_wait grreader rwlock_read null "tid:$FIX_PID" waiting
expect_wait grwriter rwlock_write null "tid:$FIX_PID" waiting
for n in grreader grwriter; do
	t=$(tid_of $n)
	jq -e --argjson t "$t" '.threads[] | select(.tid == $t) | .wait.detail == "GLib GRWLock"' "$J" >/dev/null ||
		fail "$n: GRWLock not named: $(jq -c --argjson t "$t" '.threads[] | select(.tid == $t) | .wait' "$J")"
done
expect_noise_quiet
# the debug symbols advice names Debian's package whole (it said libglib2)
advice=0
if dpkg -S 'libglib-2.0.so.0.*' 2>/dev/null | grep -q '^libglib2\.0-0:' &&
	! dpkg-query -W -f '${Status}' libglib2.0-0-dbgsym 2>/dev/null | grep -q installed; then
	advice=1
fi
jq -e --argjson n "$advice" '[.warnings[] | select(test("libglib-2.0.*dbgsym"))] |
	length >= $n and all(test("install libglib2\\.0-0-dbgsym .*package libglib2\\.0-0\\)"))' "$J" >/dev/null ||
	fail "debug symbols advice: $(jq -c .warnings "$J")"
kill "$FIX_PID"

# ---- idle pools, a queue and two GCond waiters: exit 0, all idle
start_fixture lock-glib-objects idle
wait_futex_blocked "$FIX_PID" 6
deadline=$((SECONDS + 120))
while :; do
	snapshot "$FIX_PID" --stuck 1
	jq -e '[.threads[] | select(.name == "pool" or (.name | startswith("gc")) or .name == "gqpop") |
		.verdict] | length >= 6 and all(. == "idle")' "$J" >/dev/null && break
	[ $SECONDS -lt $deadline ] || fail "GLib waiters never all idle: $(jq -c '[.threads[] | {name, verdict, blocked_for_ms}]' "$J")"
	sleep 0.5
done
expect_rc 0
expect_deadlocks cycle 0
jq -e '(has("undecided") | not) and .stuck == []' "$J" >/dev/null ||
	fail "undecided or stuck: $(jq -c '{undecided, stuck}' "$J")"
jq -e '[.threads[] | select(.name == "pool" or (.name | startswith("gc")) or .name == "gqpop") | .wait] |
	all(.kind == "condvar" and .detail == "GLib GCond" and .owner_tid == null)' "$J" >/dev/null ||
	fail "not GCond waits: $(jq -c '[.threads[] | {name, wait}]' "$J")"
expect_wait gcondwait condvar gcond_event null idle
expect_wait gcondtimed condvar gcond_event null idle
expect_flag gcondtimed timed
expect_flag gcondwait timed no
expect_noise_quiet
run_cdl -p "$FIX_PID" --dump --stuck 1
expect_rc 0
grep -Eq '^  2 threads on condvar gcond_event .*: gcondwait \([0-9]+\), gcondtimed' "$TEST_TMP/out" ||
	fail "the GCond waiters are not grouped as idle: $(sed -n '/^Idle/,/^$/p' "$TEST_TMP/out")"
! grep -q 'No deadlock proven' "$TEST_TMP/out" || fail "an undecided verdict: $(head -5 "$TEST_TMP/out")"
kill "$FIX_PID"

# ---- a g_bit_lock held by main: no owner recorded, undecided
start_fixture lock-glib-objects bitlock
wait_futex_blocked "$FIX_PID" 1
sleep 1.5
snapshot_undecided "$FIX_PID" 1
expect_rc 3
t=$(tid_of gbitlock)
jq -e --argjson t "$t" '(.threads[] | select(.tid == $t) | .wait |
	.kind == "futex" and .detail == "GLib g_bit_lock" and .owner_tid == null and
	.symbol == "gbit_word" and (.flags | index("owner_unknown"))) and .undecided == [$t]' "$J" >/dev/null ||
	fail "gbitlock: $(jq -c --argjson t "$t" '(.threads[] | select(.tid == $t) | .wait), .undecided' "$J")"
expect_noise_quiet
