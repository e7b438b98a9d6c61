#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/pause.sh - how long cdeadlock holds a large target, side by side
# with eu-stack and gdb on the same process in the same run.
#
# Usage: bench/pause.sh [-n THREADS] [-r RUNS] [-G MAXGDB] [-m MODES] [BUILDDIR]
#   BUILDDIR holds src/cdeadlock and tests/fixtures/manythreads (build it
#   with 'make tests/fixtures/manythreads'); default: the current dir.
#   gdb is measured only up to MAXGDB threads (default 5000): beyond, one
#   'thread apply all bt' takes minutes.
#   MODES: the capture modes to measure, default "per-thread global-freeze"
#   (cdeadlock's default, and --global-freeze).  In the per-thread mode
#   "pause" is the longest any one thread was held stopped.
#   With PAUSE_ROW_FILE set, one tab-separated row of medians per mode is
#   appended to that file (bench/pause-scale.sh builds its table from
#   them).
#
# The target (tests/fixtures/manythreads) runs THREADS threads (default
# 1000) plus a "ticker" that wakes every millisecond and records its
# longest stall; SIGUSR2 makes it print that and start over.  For each
# tool we reset the ticker, run the tool, and read the ticker's longest
# stall during the run; the ticker alone is measured over 1 s and, per
# mode, over as long as that mode's full capture took (the longest gap
# grows with the window: compare a tool's stall with the window of its
# length).  Figures are medians over RUNS runs (min in
# brackets).  Needs jq; /usr/bin/time for peak RSS; eu-stack and gdb are
# measured when installed.
set -u

N=1000
RUNS=5
MAXGDB=5000
MODES="per-thread global-freeze"
while getopts n:r:G:m: o; do
	case $o in
	n) N=$OPTARG ;;
	r) RUNS=$OPTARG ;;
	G) MAXGDB=$OPTARG ;;
	m) MODES=$OPTARG ;;
	*) echo "usage: $0 [-n THREADS] [-r RUNS] [-G MAXGDB] [-m MODES] [BUILDDIR]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
B=${1:-.}
CDL=$B/src/cdeadlock
FIX=$B/tests/fixtures/manythreads
[ -x "$CDL" ] || { echo "pause.sh: $CDL not built" >&2; exit 1; }
[ -x "$FIX" ] || { echo "pause.sh: $FIX not built (make tests/fixtures/manythreads)" >&2; exit 1; }
command -v jq >/dev/null || { echo "pause.sh: needs jq" >&2; exit 1; }
TIME=/usr/bin/time
[ -x "$TIME" ] || TIME=

BENCH=pause.sh
. "$(dirname "$0")/ticker-lib.sh"

now_us() { echo $(( $(date +%s%N) / 1000 )); }

# median and min of the numbers on stdin: "median (min)"
stats() {
	sort -n | awk '{v[NR]=$1} END {if (NR==0) {print "-"; exit}
		m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2;
		printf "%d (%d)", m, v[1]}'
}

target_start "$FIX" "$N"
ntask=$(ls /proc/"$FIXPID"/task | wc -l)
sleep 0.5

# baseline: the ticker's own jitter over one second, no tool running
# (and below, per mode, over as long as that mode's full capture takes:
# the longest gap grows with the length of the window it is taken over)
jitter() {   # jitter SECONDS FILE
	for i in $(seq "$RUNS"); do
		stall_line >/dev/null
		sleep "$1"
		stall_line >>"$2"
	done
}
jitter 1 "$TMP/base.stall"

for m in $MODES; do
	case $m in
	per-thread) MARGS= ;;
	global-freeze) MARGS=--global-freeze ;;
	*) echo "pause.sh: unknown mode $m" >&2; exit 2 ;;
	esac
	# 1. bare freeze + copy + thaw: --no-unwind, pause_us as measured by cdeadlock
	for i in $(seq "$RUNS"); do
		stall_line >/dev/null
		CDEADLOCK_BENCH_PHASES=1 "$CDL" $MARGS -p "$FIXPID" --json --no-unwind >"$TMP/bare-$m.json" 2>/dev/null
		stall_line >>"$TMP/bare-$m.stall"
		jq .pause_us "$TMP/bare-$m.json" >>"$TMP/bare-$m.pause"
		jq -r '.warnings[] | select(startswith("phases:"))' "$TMP/bare-$m.json" >>"$TMP/bare-$m.phases"
		sleep 0.2
	done

	# 2. full --json: wall time, peak RSS, stall
	for i in $(seq "$RUNS"); do
		stall_line >/dev/null
		t0=$(now_us)
		if [ -n "$TIME" ]; then
			"$TIME" -f '%M' -o "$TMP/rss" "$CDL" $MARGS -p "$FIXPID" --json >"$TMP/full-$m.json" 2>/dev/null
			cat "$TMP/rss" >>"$TMP/full-$m.rss"
		else
			"$CDL" $MARGS -p "$FIXPID" --json >"$TMP/full-$m.json" 2>/dev/null
		fi
		t1=$(now_us)
		stall_line >>"$TMP/full-$m.stall"
		echo $(( (t1 - t0) / 1000 )) >>"$TMP/full-$m.wall"
		jq .pause_us "$TMP/full-$m.json" >>"$TMP/full-$m.pause"
		sleep 0.2
	done
	# 3. the ticker alone over a window as long as the median full capture
	win=$(sort -n "$TMP/full-$m.wall" | awk '{v[NR]=$1} END {
		m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2; printf "%.1f", (m < 1000 ? 1000 : m) / 1000 }')
	echo "$win" >"$TMP/win-$m"
	jitter "$win" "$TMP/base-$m.stall"
done
last=${MODES##* }
cp "$TMP/full-$last.json" "$TMP/full.json"
nthreads=$(jq '.threads | length' "$TMP/full.json")
nframes=$(jq '[.threads[].frames | length] | add' "$TMP/full.json")

# 4. eu-stack -p on the same process
if command -v eu-stack >/dev/null; then
	for i in $(seq "$RUNS"); do
		stall_line >/dev/null
		t0=$(now_us)
		if [ -n "$TIME" ]; then
			"$TIME" -f '%M' -o "$TMP/rss" eu-stack -p "$FIXPID" >/dev/null 2>&1
			cat "$TMP/rss" >>"$TMP/eu.rss"
		else
			eu-stack -p "$FIXPID" >/dev/null 2>&1
		fi
		t1=$(now_us)
		stall_line >>"$TMP/eu.stall"
		echo $(( (t1 - t0) / 1000 )) >>"$TMP/eu.wall"
		sleep 0.2
	done
fi

# 5. gdb -batch 'thread apply all bt' (slow: at most 2 runs)
if command -v gdb >/dev/null && [ "$N" -le "$MAXGDB" ]; then
	for i in $(seq $(( RUNS < 2 ? RUNS : 2 ))); do
		stall_line >/dev/null
		t0=$(now_us)
		if [ -n "$TIME" ]; then
			"$TIME" -f '%M' -o "$TMP/rss" gdb -q -nx -batch -p "$FIXPID" \
				-ex 'thread apply all bt' >/dev/null 2>&1 </dev/null
			cat "$TMP/rss" >>"$TMP/gdb.rss"
		else
			gdb -q -nx -batch -p "$FIXPID" -ex 'thread apply all bt' >/dev/null 2>&1 </dev/null
		fi
		t1=$(now_us)
		stall_line >>"$TMP/gdb.stall"
		echo $(( (t1 - t0) / 1000 )) >>"$TMP/gdb.wall"
		sleep 0.2
	done
fi

f() { [ -s "$TMP/$1" ] && stats <"$TMP/$1" || echo "-"; }
kb2mb() { [ -s "$TMP/$1" ] && sort -n "$TMP/$1" | tail -1 | awk '{printf "%.1f", $1/1024}' || echo "-"; }
us2ms() { [ -s "$TMP/$1" ] && awk '{print $1/1000}' "$TMP/$1" | sort -n |
	awk '{v[NR]=$1} END {m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2; printf "%.1f (%.1f)", m, v[1]}' || echo "-"; }

echo "cdeadlock pause benchmark: $N worker threads + ticker ($ntask tasks), $(nproc) CPUs, $RUNS runs,"
echo "kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "medians (min in brackets); stall = longest gap the target's ticker saw during the run"
echo
printf '%-38s %16s %16s %16s %10s\n' "" "pause ms" "stall ms" "wall ms" "RSS MiB"
printf '%-38s %16s %16s %16s %10s\n' "ticker alone (1 s, no tool)" "-" "$(us2ms base.stall)" "-" "-"
for m in $MODES; do
	printf '%-38s %16s %16s %16s %10s\n' "ticker alone, ${m%%-*} ($(cat "$TMP/win-$m") s)" "-" "$(us2ms base-$m.stall)" "-" "-"
	printf '%-38s %16s %16s %16s %10s\n' "$m --no-unwind (bare capture)" "$(us2ms bare-$m.pause)" "$(us2ms bare-$m.stall)" "-" "-"
	printf '%-38s %16s %16s %16s %10s\n' "$m --json (full)" "$(us2ms full-$m.pause)" "$(us2ms full-$m.stall)" "$(f full-$m.wall)" "$(kb2mb full-$m.rss)"
done
[ -s "$TMP/eu.wall" ] &&
printf '%-38s %16s %16s %16s %10s\n' "eu-stack -p" "-" "$(us2ms eu.stall)" "$(f eu.wall)" "$(kb2mb eu.rss)"
[ -s "$TMP/gdb.wall" ] &&
printf '%-38s %16s %16s %16s %10s\n' "gdb -batch 'thread apply all bt'" "-" "$(us2ms gdb.stall)" "$(f gdb.wall)" "$(kb2mb gdb.rss)"
echo
if [ -s "$TMP/eu.wall" ]; then
	fw=$(sort -n "$TMP/full-$last.wall" | awk '{v[NR]=$1} END {print (NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2}')
	ew=$(sort -n "$TMP/eu.wall" | awk '{v[NR]=$1} END {print (NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2}')
	awk -v f="$fw" -v e="$ew" -v m="$last" 'BEGIN {printf "cdeadlock --json (%s) wall / eu-stack wall = %.2f (target <= 0.33, aim 0.20)\n", m, f / e}'
fi
echo "full snapshot: $nthreads threads, $nframes frames"
for m in $MODES; do
	echo "bare capture phases, $m (each run):"
	sed 's/^phases: /  /' "$TMP/bare-$m.phases"
done

# one row for bench/pause-scale.sh: medians in ms (stall, pause, wall), "-"
# where a tool was not measured
med() { [ -s "$TMP/$1" ] && sort -n "$TMP/$1" | awk -v d="$2" '{v[NR]=$1} END {
	m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2; printf "%.1f", m / d}' || echo "-"; }
if [ -n "${PAUSE_ROW_FILE:-}" ]; then
	for m in $MODES; do
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$N" "$m" \
			"$(med base-$m.stall 1000)" "$(med bare-$m.pause 1000)" "$(med bare-$m.stall 1000)" \
			"$(med full-$m.stall 1000)" "$(med full-$m.wall 1)" "$(kb2mb full-$m.rss)" \
			"$(med eu.wall 1)" "$(med gdb.stall 1000)" "$(med gdb.wall 1)" >>"$PAUSE_ROW_FILE"
	done
fi
