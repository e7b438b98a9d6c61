#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/pause-scale.sh - how the pause grows with the thread count: runs
# bench/pause.sh at 1,000, 5,000 and 10,000 threads (or the counts given
# with -n) in one go and prints one table, with each stall as a ratio to
# the smallest count's, and cdeadlock's wall time as a ratio to eu-stack's.
#
# Usage: bench/pause-scale.sh [-n "1000 5000 10000"] [-r RUNS] [BUILDDIR]
set -u
COUNTS="1000 5000 10000"
RUNS=3
while getopts n:r: o; do
	case $o in
	n) COUNTS=$OPTARG ;;
	r) RUNS=$OPTARG ;;
	*) echo "usage: $0 [-n \"COUNTS\"] [-r RUNS] [BUILDDIR]" >&2; exit 2 ;;
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
	PAUSE_ROW_FILE=$ROWS bash "$HERE/pause.sh" -n "$n" -r "$RUNS" "$B" >&2 ||
		{ echo "pause-scale.sh: pause.sh failed at $n threads" >&2; exit 1; }
done

echo "cdeadlock pause at scale: $(nproc) CPUs, $RUNS runs per row, kernel $(uname -r)"
echo "medians in ms; stall = longest gap the target's ticker saw; xN = ratio to the first row"
echo
awk -F'\t' '
function r(v, b) { return (v == "-" || b == "-" || b == 0) ? "" : sprintf(" x%.1f", v / b) }
BEGIN {
	printf "%8s %8s %18s %18s %18s %9s %8s %9s %9s %12s\n", "threads", "jitter",
		"freeze pause", "freeze stall", "--json stall", "wall", "RSS MiB",
		"eu wall", "wall/eu", "gdb stall"
}
NR == 1 { bp = $3; bs = $4; fs = $5 }
{
	ratio = ($6 != "-" && $8 != "-" && $8 > 0) ? sprintf("%.2f", $6 / $8) : "-"
	printf "%8s %8s %18s %18s %18s %9s %8s %9s %9s %12s\n", $1, $2,
		$3 r($3, bp), $4 r($4, bs), $5 r($5, fs), $6, $7, $8, ratio, $9
}' "$ROWS"
