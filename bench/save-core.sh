#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/save-core.sh - the core `cdeadlock -p PID --save-core FILE` writes
# next to a gcore of the same process, in the same run: file sizes, and
# how long each stops the target.
#
# Usage: bench/save-core.sh [-r RUNS] [BUILDDIR] [THREADS...]
#   BUILDDIR holds src/cdeadlock and tests/fixtures/manythreads (make
#   tests/fixtures/manythreads); default: the current directory.
#   THREADS: the target sizes, default "100 1000" (this machine is shared:
#   no more than 1000).
#
# For each size the target (tests/fixtures/manythreads: N workers and a
# ticker that records its longest stall) is started once; then, RUNS
# times each (default 3), in turn:
#   gcore -o FILE PID          the size of its core, its wall time, and
#                              the ticker's longest stall (gcore stops
#                              every thread for the whole dump);
#   cdeadlock --json           the pause cdeadlock measured (pause_us);
#   cdeadlock --json --save-core FILE
#                              the size of the core, the pause (the extra
#                              copying for the core: the modules' writable
#                              data, whole pages) and the stall.
# Figures are medians (min in brackets).  Needs jq and gcore (gdb).
set -u

RUNS=3
while getopts r: o; do
	case $o in
	r) RUNS=$OPTARG ;;
	*) echo "usage: $0 [-r RUNS] [BUILDDIR] [THREADS...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
B=${1:-.}
[ $# -gt 0 ] && shift
SIZES=${*:-100 1000}
CDL=$B/src/cdeadlock
FIX=$B/tests/fixtures/manythreads
[ -x "$CDL" ] || { echo "save-core.sh: $CDL not built" >&2; exit 1; }
[ -x "$FIX" ] || { echo "save-core.sh: $FIX not built (make tests/fixtures/manythreads)" >&2; exit 1; }
command -v jq >/dev/null || { echo "save-core.sh: needs jq" >&2; exit 1; }
command -v gcore >/dev/null || { echo "save-core.sh: needs gcore (gdb)" >&2; exit 1; }
for n in $SIZES; do
	[ "$n" -le 1000 ] || { echo "save-core.sh: at most 1000 threads on a shared machine" >&2; exit 2; }
done

BENCH=save-core.sh
. "$(dirname "$0")/ticker-lib.sh"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# FILE: "median (min)" of its numbers divided by $2
stat_of() {
	[ -s "$TMP/$1" ] || { echo "-"; return; }
	sort -n "$TMP/$1" | awk -v d="$2" -v f="$3" '{v[NR] = $1 / d} END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf f " (" f ")", m, v[1] }'
}
median() { sort -n "$TMP/$1" | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

echo "cdeadlock --save-core vs gcore: $(nproc) CPUs, kernel $(uname -r), $RUNS runs per figure,"
echo "load average $(cut -d' ' -f1-3 /proc/loadavg); medians (min in brackets)"
echo "stall = the longest gap the target's own 1 ms ticker saw during the run"
for n in $SIZES; do
	rm -f "$TMP"/*.v
	target_start "$FIX" "$n"
	sleep 0.5
	for i in $(seq "$RUNS"); do
		stall_line >/dev/null
		t0=$(now_ms)
		gcore -o "$TMP/g" "$FIXPID" >/dev/null 2>&1 </dev/null
		t1=$(now_ms)
		stall_line >>"$TMP/gcore.stall.v"
		echo $((t1 - t0)) >>"$TMP/gcore.wall.v"
		stat -c %s "$TMP/g.$FIXPID" >>"$TMP/gcore.size.v"
		rm -f "$TMP/g.$FIXPID"
		sleep 0.2

		stall_line >/dev/null
		"$CDL" -p "$FIXPID" --json >"$TMP/plain.json" 2>/dev/null
		stall_line >>"$TMP/plain.stall.v"
		jq .pause_us "$TMP/plain.json" >>"$TMP/plain.pause.v"
		sleep 0.2

		stall_line >/dev/null
		t0=$(now_ms)
		"$CDL" -p "$FIXPID" --json --save-core "$TMP/c.core" >"$TMP/sc.json" 2>"$TMP/sc.err"
		t1=$(now_ms)
		stall_line >>"$TMP/sc.stall.v"
		[ -s "$TMP/c.core" ] || { echo "save-core.sh: no core: $(cat "$TMP/sc.err")" >&2; exit 1; }
		echo $((t1 - t0)) >>"$TMP/sc.wall.v"
		jq .pause_us "$TMP/sc.json" >>"$TMP/sc.pause.v"
		stat -c %s "$TMP/c.core" >>"$TMP/sc.size.v"
		rm -f "$TMP/c.core"
		sleep 0.2
	done
	ntask=$(ls /proc/"$FIXPID"/task | wc -l)
	target_stop

	echo
	echo "$n worker threads ($ntask tasks):"
	printf '  %-34s %18s %18s %16s %14s\n' "" "core MiB" "pause ms" "stall ms" "wall ms"
	printf '  %-34s %18s %18s %16s %14s\n' "gcore" "$(stat_of gcore.size.v 1048576 %.1f)" \
		"(all of it)" "$(stat_of gcore.stall.v 1000 %.1f)" "$(stat_of gcore.wall.v 1 %d)"
	printf '  %-34s %18s %18s %16s %14s\n' "cdeadlock --json" "-" \
		"$(stat_of plain.pause.v 1000 %.1f)" "$(stat_of plain.stall.v 1000 %.1f)" "-"
	printf '  %-34s %18s %18s %16s %14s\n' "cdeadlock --json --save-core" \
		"$(stat_of sc.size.v 1048576 %.2f)" "$(stat_of sc.pause.v 1000 %.1f)" \
		"$(stat_of sc.stall.v 1000 %.1f)" "$(stat_of sc.wall.v 1 %d)"
	awk -v s="$(median sc.size.v)" -v g="$(median gcore.size.v)" \
	    -v ps="$(median sc.stall.v)" -v gs="$(median gcore.stall.v)" 'BEGIN {
		printf "  --save-core core / gcore core = %.2f%% (target <= 5%%, <= 64 MiB at 1000 threads)\n",
			100 * s / g
		if (ps > 0) printf "  gcore stall / cdeadlock --save-core stall = %.0fx\n", gs / ps }'
done
