#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# "Blocked for" survives repeated captures from the shell: every capture
# wakes the threads for a moment, which restarts the kernel's off-CPU
# clock, so the second run must continue from what the first one saw
# (kept in CDEADLOCK_STATE_DIR), not count from the first run's wake-up.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"

export CDEADLOCK_STATE_DIR=$TEST_TMP/state
start_fixture lock-abba
wait_futex_blocked "$FIX_PID" 2
snapshot "$FIX_PID"
expect_rc 2
first=$(jq '.threads[] | select(.name == "transfer") | .blocked_for_ms' "$J")
[ "$first" -ge 0 ] 2>/dev/null || fail "no blocked_for_ms in the first capture: $first"
[ "$(stat -c %a "$CDEADLOCK_STATE_DIR")" = 700 ] || fail "state directory is not private"
files=("$CDEADLOCK_STATE_DIR"/"$FIX_PID"-*.carry)
[ -f "${files[0]}" ] || fail "no carry file for $FIX_PID in $CDEADLOCK_STATE_DIR"
[ "$(stat -c %a "${files[0]}")" = 600 ] || fail "carry file is not private"

sleep 1.5
snapshot "$FIX_PID"
expect_rc 2
second=$(jq '.threads[] | select(.name == "transfer") | .blocked_for_ms' "$J")
# without the carried evidence the second run reads about 1500 ms (since
# the first run's wake-up); with it, the first figure plus that
[ "$second" -ge $((first + 1400)) ] ||
	fail "blocked for restarted: first capture $first ms, 1.5 s later $second ms"
note "transfer blocked for $first ms, then $second ms"

# a private directory that someone else can write is not used
chmod 0777 "$CDEADLOCK_STATE_DIR"
snapshot "$FIX_PID"
expect_rc 2
third=$(jq '.threads[] | select(.name == "transfer") | .blocked_for_ms' "$J")
[ "$third" -lt "$second" ] ||
	fail "an unsafe state directory was used: $second ms, then $third ms"
exit 0
