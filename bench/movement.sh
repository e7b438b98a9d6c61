#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/movement.sh - false verdicts under movement, at full size: a busy
# target (tests/fixtures/lock-busy: THREADS threads that take and release
# mutexes and rwlocks in one global order, wait on condition variables and
# semaphores, create and join threads, within a quarter of a core) never
# deadlocks.  Captures it CAPTURES times in each capture mode and counts
# the captures that report a deadlock, an orphaned lock or a thread behind
# one (all false), the exit statuses other than 0, and how many waits the
# per-thread mode found moved.
#
# Usage: bench/movement.sh [-n THREADS] [-c CAPTURES] [-m MODES] [BUILDDIR]
#   defaults: 1000 threads, 100 captures, "per-thread global-freeze";
#   BUILDDIR holds src/cdeadlock and tests/fixtures/lock-busy (make check
#   builds it, or 'make tests/fixtures/lock-busy').  The test suite runs a
#   small version (tests/integration/collect-movement.sh).
set -u

N=1000
CAPTURES=100
MODES="per-thread global-freeze"
while getopts n:c:m: o; do
	case $o in
	n) N=$OPTARG ;;
	c) CAPTURES=$OPTARG ;;
	m) MODES=$OPTARG ;;
	*) echo "usage: $0 [-n THREADS] [-c CAPTURES] [-m MODES] [BUILDDIR]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
B=${1:-.}
CDL=$B/src/cdeadlock
FIX=$B/tests/fixtures/lock-busy
[ -x "$CDL" ] || { echo "movement.sh: $CDL not built" >&2; exit 1; }
[ -x "$FIX" ] || { echo "movement.sh: $FIX not built (make tests/fixtures/lock-busy)" >&2; exit 1; }
command -v jq >/dev/null || { echo "movement.sh: needs jq" >&2; exit 1; }

BENCH=movement.sh
# the scratch directory, the target's start and its kill at exit
. "$(dirname "$0")/ticker-lib.sh"
target_start "$FIX" "$N"

echo "cdeadlock under movement: lock-busy with $N threads, $CAPTURES captures per mode,"
echo "$(nproc) CPUs, kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '%-14s %9s %9s %9s %9s %9s %12s %12s\n' mode captures deadlock orphaned behind "exit!=0" "waits" "moved"
bad=0
for m in $MODES; do
	case $m in
	per-thread) margs= ;;
	global-freeze) margs=--global-freeze ;;
	*) echo "movement.sh: unknown mode $m" >&2; exit 2 ;;
	esac
	dl=0 orph=0 beh=0 rcs=0 waits=0 moved=0
	for i in $(seq "$CAPTURES"); do
		"$CDL" $margs -p "$FIXPID" --json --no-unwind >"$TMP/s.json" 2>"$TMP/err"
		rc=$?
		[ "$rc" = 0 ] || rcs=$((rcs + 1))
		if ! jq -e . "$TMP/s.json" >/dev/null 2>&1; then
			echo "movement.sh: $m capture $i: no snapshot (exit $rc): $(head -c 300 "$TMP/err")" >&2
			continue
		fi
		read -r d o b w v < <(jq -r '[([.deadlocks[] | select(.type == "cycle")] | length),
			([.deadlocks[] | select(.type == "orphaned_lock")] | length),
			([.threads[] | select(.verdict == "behind")] | length),
			([.threads[] | select(.wait != null)] | length),
			([.threads[] | select(.verdict == "moved")] | length)] | @tsv' "$TMP/s.json")
		[ "$d" -gt 0 ] && dl=$((dl + 1))
		[ "$o" -gt 0 ] && orph=$((orph + 1))
		[ "$b" -gt 0 ] && beh=$((beh + 1))
		[ "$d$o$b" != 000 ] && cp "$TMP/s.json" "$TMP/false-$m-$i.json" &&
			echo "movement.sh: $m capture $i: false verdict: $(jq -c .deadlocks "$TMP/s.json" | head -c 400)" >&2
		waits=$((waits + w))
		moved=$((moved + v))
	done
	printf '%-14s %9s %9s %9s %9s %9s %12s %12s\n' "$m" "$CAPTURES" "$dl" "$orph" "$beh" "$rcs" "$waits" "$moved"
	bad=$((bad + dl + orph + beh))
done
echo
echo "deadlock/orphaned/behind: captures with at least one (all false: the target never deadlocks)"
[ "$bad" = 0 ]
