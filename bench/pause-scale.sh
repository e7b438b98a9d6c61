#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/pause-scale.sh - how the pause grows with the thread count: runs
# bench/pause.sh at 1,000, 5,000 and 10,000 threads (or the counts given
# with -n) in one go and prints one table, a row per thread count and
# capture mode (-m, default both), with each stall as a ratio to the
# smallest count's in the same mode, and cdeadlock's wall time as a ratio
# to eu-stack's.
#
# Usage: bench/pause-scale.sh [-n "1000 5000 10000"] [-r RUNS] [-m MODES] [BUILDDIR]
set -u
COUNTS="1000 5000 10000"
RUNS=3
MODES="per-thread global-freeze"
while getopts n:r:m: o; do
	case $o in
	n) COUNTS=$OPTARG ;;
	r) RUNS=$OPTARG ;;
	m) MODES=$OPTARG ;;
	*) echo "usage: $0 [-n \"COUNTS\"] [-r RUNS] [-m MODES] [BUILDDIR]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
B=${1:-.}
HERE=$(cd "$(dirname "$0")" && pwd)
ROWS=$(mktemp "${TMPDIR:-/tmp}/cdl-scale.XXXXXX")
trap 'rm -f "$ROWS"' EXIT
trap 'exit 130' INT TERM HUP

for n in $COUNTS; do
	echo "== $n threads" >&2
	PAUSE_ROW_FILE=$ROWS bash "$HERE/pause.sh" -n "$n" -r "$RUNS" -m "$MODES" "$B" >&2 ||
		{ echo "pause-scale.sh: pause.sh failed at $n threads" >&2; exit 1; }
done

echo "cdeadlock pause at scale: $(nproc) CPUs, $RUNS runs per row, kernel $(uname -r)"
echo "medians in ms; stall = longest gap the target's ticker saw; jitter = the same, with no tool,"
echo "over a window as long as the mode's full --json capture; xN = ratio to the first row of"
echo "the same mode; pause = the whole freeze (global-freeze) or the longest single stop (per-thread)"
echo
awk -F'\t' '
function r(v, b) { return (v == "-" || b == "-" || b == 0) ? "" : sprintf(" x%.1f", v / b) }
BEGIN {
	printf "%8s %14s %8s %18s %18s %18s %9s %8s %9s %9s %12s\n", "threads", "mode", "jitter",
		"bare pause", "bare stall", "--json stall", "wall", "RSS MiB",
		"eu wall", "wall/eu", "gdb stall"
}
!($2 in bp) { bp[$2] = $4; bs[$2] = $5; fs[$2] = $6 }
{
	ratio = ($7 != "-" && $9 != "-" && $9 > 0) ? sprintf("%.2f", $7 / $9) : "-"
	printf "%8s %14s %8s %18s %18s %18s %9s %8s %9s %9s %12s\n", $1, $2, $3,
		$4 r($4, bp[$2]), $5 r($5, bs[$2]), $6 r($6, fs[$2]), $7, $8, $9, ratio, $10
}' "$ROWS"
