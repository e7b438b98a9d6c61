#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tui-refresh.sh [BUILDDIR] [THREADS] [REFRESHES] - how long a TUI refresh
# (snapshot + analysis + redraw) takes on a large target.
#
# Starts tests/fixtures/manythreads with THREADS threads (default 1000),
# drives the TUI headless with REFRESHES presses of r (default 20) and
# prints the time of each refresh as the TUI itself reports it, plus the
# wall time of the whole run minus the time of a run without refreshes.
# Needs `make check` (or `make tests/fixtures/manythreads`) first.
set -u
B=${1:-.}
N=${2:-1000}
R=${3:-20}
cdl=$B/src/cdeadlock
fix=$B/tests/fixtures/manythreads
[ -x "$cdl" ] && [ -x "$fix" ] || { echo "build $cdl and $fix first" >&2; exit 1; }

out=$(mktemp)
"$fix" "$N" >"$out" &
pid=$!
trap 'kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$out"' EXIT
deadline=$((SECONDS + 60))
until grep -q '^ready' "$out"; do
	[ $SECONDS -lt $deadline ] && kill -0 $pid 2>/dev/null || { echo "fixture not ready" >&2; exit 1; }
	sleep 0.05
done

ns() { date +%s%N; }
keys=
for ((i = 0; i < R; i++)); do keys+='r<Dump>'; done

t0=$(ns)
"$cdl" -p "$pid" --keys '' --size 120x40 >/dev/null || exit 1
t1=$(ns)
"$cdl" -p "$pid" --keys "$keys" --size 120x40 >"$out.screens" || exit 1
t2=$(ns)

echo "target: $N threads (+ticker, main), $R refreshes in the headless TUI at 120x40"
grep -o 'refresh took [0-9.]* [a-z]*' "$out.screens" |
	awk '{ v = $3; if ($4 == "s") v *= 1000; print v }' | sort -n | awk '
	{ a[NR] = $1; s += $1 }
	END {
		if (!NR) { print "no refresh reported"; exit 1 }
		printf "refresh (snapshot + analysis + redraw), as the TUI reports it: median %d ms, max %d ms, mean %.1f ms\n",
			a[int((NR + 1) / 2)], a[NR], s / NR
	}'
grep -o 'target paused [0-9.]* [a-z]*' "$out.screens" | sort | uniq -c | sort -rn | head -3 |
	awk '{ printf "  pause of the target: %s %s (%d times)\n", $4, $5, $1 }'
echo "wall: run with $R refreshes minus run without: $(( (t2 - t1 - (t1 - t0)) / R / 1000000 )) ms per refresh"
t3=$(ns)
"$cdl" -p "$pid" --json >/dev/null
t4=$(ns)
echo "for comparison, one cdeadlock -p PID --json (snapshot + analysis + JSON, process start included): $(( (t4 - t3) / 1000000 )) ms"
kill -0 $pid && ! grep -q '^State:.*[tT]' /proc/$pid/status && echo "target still running"
rm -f "$out.screens"
