#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Two threads take two GLib GMutexes in opposite order.  A GMutex is a
# bare futex word that records no owner, so the honest answer is no owner
# anywhere (never one read from the word after the lock) and, once they
# have waited --stuck seconds, exit 3: no deadlock proven, none excluded.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
[ -x "$FIXTURES/lock-glib" ] ||
	skip "tests/fixtures/lock-glib not built: configure found no glib-2.0 (install libglib2.0-dev)"

# no_owner: no thread's wait names an owner, with or without frames
no_owner() {
	jq -e '[.threads[] | select(.wait != null) | .wait | select(.owner_tid != null or .owner_pid != null)] | length == 0' \
		"$J" >/dev/null || fail "an owner was invented$1: $(jq -c '[.threads[] | {name, wait}]' "$J")"
}

start_fixture lock-glib
wait_futex_blocked "$FIX_PID" 2
sleep 1.5           # blocked at least --stuck 1

snapshot_undecided "$FIX_PID" 2
expect_rc 3
expect_deadlocks cycle 0
no_owner ""
for n in gtransfer gaudit; do
	t=$(tid_of $n)
	jq -e --argjson t "$t" '
		(.threads[] | select(.tid == $t) | .wait.kind == "futex" and .wait.detail == "GLib GMutex" and
		 (.wait.flags | index("owner_unknown")) and .verdict == "stuck") and
		(.undecided | index($t))' "$J" >/dev/null ||
		fail "$n: not an undecided GMutex wait: $(jq -c --argjson t "$t" '(.threads[] | select(.tid == $t) | {verdict, wait}), .undecided' "$J")"
done
jq -e '.undecided | length == 2' "$J" >/dev/null || fail "undecided: $(jq -c .undecided "$J")"
expect_noise_quiet

# the text says so in one sentence, and names no holder
run_cdl -p "$FIX_PID" --dump --stuck 1
expect_rc 3
grep -q 'No deadlock proven, but 2 threads' "$TEST_TMP/out" &&
	grep -q 'whose owner is not known (GLib GMutex): a deadlock can be neither proven nor excluded' "$TEST_TMP/out" ||
	fail "no undecided verdict: $(head -8 "$TEST_TMP/out")"
! grep -Eq 'held by (tid|thread)|of process' "$TEST_TMP/out" || fail "an owner was invented: $(grep -E 'held by|of process' "$TEST_TMP/out")"

# under the threshold: waiting, nothing undecided, exit 0
snapshot "$FIX_PID" --stuck 3600
expect_rc 0
no_owner " (--stuck 3600)"
jq -e 'has("undecided") | not' "$J" >/dev/null || fail "undecided under the threshold"

# without frames the lock cannot be identified, but no owner outside the
# process is accepted (0.1 said "held by tid 2 of process 2")
snapshot "$FIX_PID" --stuck 1 --no-unwind
no_owner " (--no-unwind)"
[ "$RC" = 3 ] || [ "$RC" = 0 ] || fail "--no-unwind: exit status $RC"
