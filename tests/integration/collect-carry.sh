#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# "Blocked for" survives repeated captures from the shell: every capture
# wakes the threads for a moment, which restarts the kernel's off-CPU
# clock, so the second run must continue from what the first one saw
# (kept in CDEADLOCK_STATE_DIR), not count from the first run's wake-up.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"

export CDEADLOCK_STATE_DIR=$TEST_TMP/state
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
start_fixture lock-abba
wait_futex_blocked "$FIX_PID" 2
sleep 3
t1=$(now_ms)
snapshot "$FIX_PID"
expect_rc 2
first=$(jq '.threads[] | select(.name == "transfer") | .blocked_for_ms' "$J")
[ "$first" -ge 0 ] 2>/dev/null || fail "no blocked_for_ms in the first capture: $first"
[ "$(stat -c %a "$CDEADLOCK_STATE_DIR")" = 700 ] || fail "state directory is not private"
files=("$CDEADLOCK_STATE_DIR"/"$FIX_PID"-*.carry)
[ -f "${files[0]}" ] || fail "no carry file for $FIX_PID in $CDEADLOCK_STATE_DIR"
[ "$(stat -c %a "${files[0]}")" = 600 ] || fail "carry file is not private"

c1=$(jq .captured_at_ms "$J")
sleep 1.5
snapshot "$FIX_PID"
expect_rc 2
t2=$(now_ms)
c2=$(jq .captured_at_ms "$J")
second=$(jq '.threads[] | select(.name == "transfer") | .blocked_for_ms' "$J")
# The first capture woke the thread, so without the carried evidence the
# second run counts from that wake-up: at most c2 - c1 (the two captures'
# own clocks, so that a slow run on a loaded machine does not matter).
# With it, the thread has been off-CPU since long before the first one:
# about first + (c2 - c1).  Half of first (>= 1.5 s) tells the two apart.
[ "$second" -gt $((c2 - c1 + first / 2)) ] ||
	fail "blocked for restarted: $first ms, then $second ms, but the captures were $((c2 - c1)) ms apart"
[ "$second" -ge $((first + 1400)) ] || fail "blocked for did not grow: $first ms, then $second ms"
note "transfer blocked for $first ms, then $second ms ($((t2 - t1)) ms between the runs)"

# a private directory that someone else can write is not used: the
# evidence there is neither read back nor rewritten
chmod 0777 "$CDEADLOCK_STATE_DIR"
before=$(stat -c '%Y %s' "${files[0]}"; md5sum <"${files[0]}")
sleep 1.1           # an mtime of its own, would it be rewritten
snapshot "$FIX_PID"
expect_rc 2
after=$(stat -c '%Y %s' "${files[0]}"; md5sum <"${files[0]}")
[ "$before" = "$after" ] || fail "an unsafe state directory was used (its carry file was rewritten)"
[ -z "$(find "$CDEADLOCK_STATE_DIR" -name '*.tmp')" ] || fail "a temporary carry file was left in an unsafe directory"
exit 0
