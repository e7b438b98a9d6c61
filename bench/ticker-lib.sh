# SPDX-License-Identifier: GPL-2.0-or-later
# bench/ticker-lib.sh - the large target of the benchmarks, sourced by
# bench/pause.sh and bench/save-core.sh (bash); bench/movement.sh uses
# its scratch directory and target start/stop for lock-busy.
#
# tests/fixtures/manythreads N runs N threads and a "ticker" that wakes
# every millisecond and records its longest stall; SIGUSR2 makes it print
# "stall_us MAX" and start over.  Set BENCH (the script's name, for
# messages) before sourcing; TMP is the scratch directory, removed on exit
# with the target.

TMP=$(mktemp -d "${TMPDIR:-/tmp}/cdl-bench.XXXXXX")
FIXPID=
cleanup() {
	[ -n "$FIXPID" ] && kill -KILL "$FIXPID" 2>/dev/null && wait "$FIXPID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# target_start FIXTURE N: start it, wait for "ready"; sets FIXPID
STALLN=0
target_start() {
	local deadline=$((SECONDS + 60))
	STALLN=0
	"$1" "$2" >"$TMP/fix.out" 2>&1 &
	FIXPID=$!
	until grep -q '^ready' "$TMP/fix.out"; do
		kill -0 "$FIXPID" 2>/dev/null || { echo "$BENCH: target died" >&2; exit 1; }
		[ $SECONDS -lt $deadline ] || { echo "$BENCH: target not ready" >&2; exit 1; }
		sleep 0.05
	done
}

# target_stop: kill it and wait for it
target_stop() {
	kill -KILL "$FIXPID" 2>/dev/null
	wait "$FIXPID" 2>/dev/null
	FIXPID=
}

# stall_line: the ticker's longest stall (us) since the last call
stall_line() {
	# ask for the figure and wait for the new "stall_us" line
	local want=$((STALLN + 1)) deadline=$((SECONDS + 10))
	kill -USR2 "$FIXPID"
	while [ "$(grep -c '^stall_us' "$TMP/fix.out")" -lt "$want" ]; do
		[ $SECONDS -lt $deadline ] || { echo "$BENCH: ticker does not answer" >&2; exit 1; }
		sleep 0.005
	done
	STALLN=$want
	grep '^stall_us' "$TMP/fix.out" | tail -1 | awk '{print $2}'
}
