#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/server-p99.sh - what a capture every 2 s costs a real server:
# p99 latency of a private MariaDB under a fixed-rate sysbench load, with
# and without 'cdeadlock -p PID --json' running every 2 s (issue #8).
#
# Usage: bench/server-p99.sh [-r RATE] [-t SECONDS] [-n REPS] [-i SECS]
#                            [-w WORKLOAD] [-c CDEADLOCK] [-k DIR]
#   -r RATE      transactions per second, fixed (sysbench --rate; default 200)
#   -t SECONDS   length of each phase (default 30)
#   -n REPS      baseline/capture phase pairs, alternated (default 2)
#   -i SECS      seconds between capture starts (default 2)
#   -w WORKLOAD  sysbench test: oltp_read_only (default) or oltp_read_write
#   -c CDEADLOCK the binary to measure (default: ./src/cdeadlock, i.e. run
#                from a build directory)
#   -k DIR       keep the JSON of the captures summarized at the end in DIR
#
# Needs (not installed by this script, and not part of CI): the Debian
# packages mariadb-server (mariadbd, mariadb-install-db, mariadb client)
# and sysbench:  apt-get install mariadb-server sysbench
# jq is optional (the thread summary at the end).
#
# The script starts its own mariadbd: a fresh datadir in a temp dir,
# --no-defaults, its own socket, listening only on 127.0.0.1 on a free
# port, a 64 MB buffer pool; it never touches the system's MariaDB
# service or /var/lib/mysql, and it stops the server and deletes the
# datadir on every exit.  The only process cdeadlock is pointed at is that
# mariadbd (checked before each capture: its name, and that it is this
# script's child).  Every step has a time limit; the default run takes
# about 3 minutes (setup, a 5 s warm-up, 2 x 2 phases of 30 s).
#
# Each phase is one 'sysbench --rate=RATE --time=SECONDS' run; in a
# capture phase a background loop starts 'cdeadlock -p PID --json' every
# -i seconds for the whole phase (output to a file in the temp dir, not
# kept).  Figures are medians over the REPS phases of each kind.
# sysbench 1.0 leaves the time an event waits for a free client thread out
# of its latency, so the client threads are set well above what the rate
# needs and the longest queue seen is printed: it should stay near 0.
# The machine's load average is printed; on a busy machine the p99 is
# mostly the other load's.
set -u

RATE=200
T=30
REPS=2
INTERVAL=2
WL=oltp_read_only
CDL=./src/cdeadlock
KEEP=''
usage() {
	echo "usage: $0 [-r RATE] [-t SECONDS] [-n REPS] [-i SECS] [-w WORKLOAD] [-c CDEADLOCK] [-k DIR]" >&2
	exit 2
}
isnum() { case $1 in '' | *[!0-9]*) return 1 ;; esac; [ "$1" -gt 0 ]; }
while getopts r:t:n:i:w:c:k: o; do
	case $o in
	r) RATE=$OPTARG ;;
	t) T=$OPTARG ;;
	n) REPS=$OPTARG ;;
	i) INTERVAL=$OPTARG ;;
	w) WL=$OPTARG ;;
	c) CDL=$OPTARG ;;
	k) KEEP=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage
for v in "$RATE" "$T" "$REPS" "$INTERVAL"; do
	isnum "$v" || { echo "server-p99.sh: '$v' is not a positive integer" >&2; usage; }
done
case $WL in
oltp_read_only | oltp_read_write) ;;
*) echo "server-p99.sh: workload must be oltp_read_only or oltp_read_write" >&2; exit 2 ;;
esac
if [ "$T" -gt 600 ] || [ "$REPS" -gt 10 ]; then
	echo "server-p99.sh: at most -t 600 and -n 10" >&2
	exit 2
fi
[ -z "$KEEP" ] || [ -d "$KEEP" ] || { echo "server-p99.sh: -k $KEEP: no such directory" >&2; exit 2; }
[ -x "$CDL" ] || { echo "server-p99.sh: $CDL not found (build it, or give -c PATH)" >&2; exit 1; }

# the tools, also from /usr/sbin when it is not on PATH
findprog() {
	local p
	for p in "$@"; do
		command -v "$p" 2>/dev/null && return 0
		[ -x "/usr/sbin/$p" ] && { echo "/usr/sbin/$p"; return 0; }
	done
	return 1
}
missing=
MYSQLD=$(findprog mariadbd mysqld) || missing="$missing mariadb-server"
INSTALLDB=$(findprog mariadb-install-db mysql_install_db) || missing="$missing mariadb-server"
CLIENT=$(findprog mariadb mysql) || missing="$missing mariadb-client"
SYSBENCH=$(findprog sysbench) || missing="$missing sysbench"
if [ -n "$missing" ]; then
	echo "server-p99.sh: missing tools; on Debian: apt-get install" \
		"$(printf '%s\n' $missing | sort -u | tr '\n' ' ')" >&2 # split on purpose
	exit 1
fi
command -v timeout >/dev/null || { echo "server-p99.sh: needs timeout (coreutils)" >&2; exit 1; }
HAVE_JQ=
command -v jq >/dev/null && HAVE_JQ=1

TMP=$(mktemp -d "${TMPDIR:-/tmp}/cdl-p99.XXXXXX")
SOCK=$TMP/mysqld.sock
[ ${#SOCK} -lt 100 ] || { echo "server-p99.sh: temp dir path too long for a socket" >&2; rmdir "$TMP"; exit 1; }
MPID=''
SBPID=''
LOOPPID=''
cleanup() {
	trap '' INT TERM HUP PIPE
	: >"$TMP/stop" 2>/dev/null
	local p
	for p in $SBPID $LOOPPID; do kill -TERM "$p" 2>/dev/null; done
	[ -s "$TMP/cap.pid" ] && kill -TERM "$(cat "$TMP/cap.pid")" 2>/dev/null
	for p in $SBPID $LOOPPID; do wait "$p" 2>/dev/null; done
	if [ -n "$MPID" ] && kill -0 "$MPID" 2>/dev/null; then
		kill -TERM "$MPID" 2>/dev/null
		local deadline=$((SECONDS + 30))
		while kill -0 "$MPID" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
		kill -KILL "$MPID" 2>/dev/null
		wait "$MPID" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
trap 'exit 141' PIPE

die() {
	echo "server-p99.sh: $*" >&2
	exit 1
}
now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}

# median of the numbers on stdin ("-" when none)
median() {
	sort -g | awk '{v[NR]=$1} END {if (NR==0) {print "-"; exit}
		m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2; print m}'
}

# two decimals, "-" stays
dec2() { awk '{ if ($1 == "-") print "-"; else printf "%.2f\n", $1 }'; }

# is MPID still the mariadbd this script started?
is_ours() {
	local comm ppid
	comm=$(cat "/proc/$MPID/comm" 2>/dev/null) || return 1
	case $comm in mariadbd | mysqld) ;; *) return 1 ;; esac
	ppid=$(awk '/^PPid:/ {print $2}' "/proc/$MPID/status" 2>/dev/null)
	[ "$ppid" = "$$" ]
}

# threads of the target in a stopped state (t or T): should be none
stopped_threads() {
	local s n=0
	for s in /proc/"$MPID"/task/*/stat; do
		# the state is the field after the ")" that ends the name
		case $(sed 's/.*) \(.\).*/\1/' "$s" 2>/dev/null) in t | T) n=$((n + 1)) ;; esac
	done
	echo $n
}

# CPU time of the target so far, in clock ticks (utime + stime)
cpu_ticks() {
	sed 's/.*) //' "/proc/$MPID/stat" 2>/dev/null | awk '{print $12 + $13}'
}
HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)

port_busy() {
	local h
	h=$(printf ':%04X ' "$1")
	grep -qi -- "$h" /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# ---- the private server ----
ROOTOPT=
[ "$(id -u)" = 0 ] && ROOTOPT=--user=root
timeout -k 5 180 "$INSTALLDB" --no-defaults $ROOTOPT --datadir="$TMP/data" \
	--auth-root-authentication-method=normal --skip-test-db \
	>"$TMP/install.log" 2>&1 </dev/null ||
	{ tail -20 "$TMP/install.log" >&2; die "$INSTALLDB failed"; }

start_server() {
	PORT=$((20000 + RANDOM % 40000))
	while port_busy "$PORT"; do PORT=$((20000 + RANDOM % 40000)); done
	"$MYSQLD" --no-defaults $ROOTOPT --datadir="$TMP/data" --tmpdir="$TMP" \
		--socket="$SOCK" --pid-file="$TMP/mysqld.pid" --log-error="$TMP/mysqld.err" \
		--bind-address=127.0.0.1 --port="$PORT" --skip-name-resolve \
		--innodb-buffer-pool-size=64M --innodb-log-file-size=48M \
		--innodb-flush-log-at-trx-commit=2 --skip-log-bin --max-connections=500 \
		</dev/null >/dev/null 2>&1 &
	MPID=$!
	local deadline=$((SECONDS + 120))
	until timeout 10 "$CLIENT" --no-defaults -S "$SOCK" -uroot -e 'SELECT 1' >/dev/null 2>&1; do
		if ! kill -0 "$MPID" 2>/dev/null; then
			wait "$MPID" 2>/dev/null
			MPID=
			return 1
		fi
		[ $SECONDS -lt $deadline ] || die "mariadbd not ready after 120 s (log: $(tail -3 "$TMP/mysqld.err"))"
		sleep 0.2
	done
}
tries=0
until start_server; do
	tries=$((tries + 1))
	# another process may have taken the port in between: try another
	grep -q -i 'bind' "$TMP/mysqld.err" 2>/dev/null && [ $tries -lt 5 ] && continue
	tail -5 "$TMP/mysqld.err" >&2
	die "mariadbd did not start"
done
is_ours || die "pid $MPID is not the mariadbd this script started"

timeout 30 "$CLIENT" --no-defaults -S "$SOCK" -uroot -e "
	CREATE DATABASE sbtest;
	CREATE USER 'sbtest'@'127.0.0.1' IDENTIFIED BY 'sbtest';
	GRANT ALL ON sbtest.* TO 'sbtest'@'127.0.0.1';" >/dev/null 2>"$TMP/sql.err" ||
	die "cannot create the sbtest user: $(cat "$TMP/sql.err")"

SB=("$SYSBENCH" "$WL" --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$PORT"
	--mysql-user=sbtest --mysql-password=sbtest --mysql-db=sbtest
	--tables=4 --table-size=10000)
# client threads: far more than RATE x latency, so events do not queue
THREADS=$((RATE / 4))
[ $THREADS -ge 16 ] || THREADS=16
[ $THREADS -le 256 ] || THREADS=256

timeout -k 5 300 "${SB[@]}" --threads=4 prepare >"$TMP/prepare.log" 2>&1 ||
	{ tail -5 "$TMP/prepare.log" >&2; die "sysbench prepare failed"; }

# ---- the capture loop (runs in the background during a capture phase) ----
# one line per capture: exit status, wall ms, CPU s (user+sys), pause_us
capture_loop() {
	local out=$1 next t0 t1 rc tm pause left
	local TIMEFORMAT='%U %S'
	next=$(now_ms)
	while [ ! -e "$TMP/stop" ]; do
		is_ours || { echo "target-gone" >>"$out"; break; }
		t0=$(now_ms)
		# timeout forwards SIGTERM to cdeadlock, which lets the target go
		{ time { timeout -k 5 60 "$CDL" -p "$MPID" --json -o "$TMP/cap.json" \
			2>>"$TMP/cap.err" & echo $! >"$TMP/cap.pid"; wait $!; }; } 2>"$TMP/cap.time"
		rc=$?
		t1=$(now_ms)
		: >"$TMP/cap.pid"
		tm=$(awk '{printf "%.3f", $1 + $2}' "$TMP/cap.time" 2>/dev/null)
		pause=$(grep -m1 '"pause_us"' "$TMP/cap.json" 2>/dev/null | tr -dc 0-9)
		echo "$rc $((t1 - t0)) ${tm:-?} ${pause:-?}" >>"$out"
		[ $rc -eq 0 ] || [ $rc -eq 2 ] || cp "$TMP/cap.json" "$TMP/cap-failed.json" 2>/dev/null
		next=$((next + INTERVAL * 1000))
		# sleep in steps of at most 0.5 s (few forks: the loop should cost
		# the machine nothing next to the captures themselves)
		while [ ! -e "$TMP/stop" ]; do
			left=$((next - $(now_ms)))
			[ $left -gt 0 ] || break
			[ $left -le 500 ] || left=500
			sleep "$(printf '0.%03d' "$left")"
		done
	done
}

# one phase: sysbench at the fixed rate; with "cap", the capture loop too
run_phase() {
	local kind=$1 rep=$2 secs=$3 rc
	local base=$TMP/$kind.$rep c0 c1 t0 t1
	rm -f "$TMP/stop"
	c0=$(cpu_ticks)
	t0=$(now_ms)
	: >"$base.cap"
	timeout -k 5 $((secs + 60)) "${SB[@]}" --threads="$THREADS" --rate="$RATE" \
		--time="$secs" --events=0 --percentile=99 --report-interval=1 run \
		>"$base.sb" 2>&1 </dev/null &
	SBPID=$!
	if [ "$kind" = cap ]; then
		capture_loop "$base.cap" &
		LOOPPID=$!
	fi
	wait "$SBPID"
	rc=$?
	SBPID=''
	c1=$(cpu_ticks)
	t1=$(now_ms)
	# the server's CPU use during the phase, in % of one CPU
	SRVCPU=$(awk -v c="$((c1 - c0))" -v hz="$HZ" -v ms="$((t1 - t0))" \
		'BEGIN { printf "%.0f", (ms > 0) ? 100 * c / hz / (ms / 1000) : 0 }')
	: >"$TMP/stop"
	if [ -n "$LOOPPID" ]; then
		# a capture in flight finishes (at most its 60 s timeout)
		wait "$LOOPPID"
		LOOPPID=''
	fi
	[ $rc -eq 0 ] || { tail -5 "$base.sb" >&2; die "sysbench run failed ($kind $rep, status $rc)"; }
	is_ours || die "mariadbd died during $kind phase $rep (log: $(tail -3 "$TMP/mysqld.err"))"
	local st
	st=$(stopped_threads)
	[ "$st" -eq 0 ] || echo "WARNING: $st mariadbd threads in a stopped state after $kind phase $rep" |
		tee -a "$TMP/warnings" >&2
}

# figures of one sysbench run: tps avg p99 max errors maxqueue
sb_figures() {
	awk '
	/transactions:/ { gsub(/[(]/, "", $3); tps = $3 }
	/ignored errors:/ { err = $3 }
	/^ *avg:/ { avg = $2 }
	/^ *max:/ { max = $2 }
	/99th percentile:/ { p99 = $3 }
	/queue length:/ { for (i = 1; i <= NF; i++) if ($i == "length:") { q = $(i+1) + 0; if (q > mq) mq = q } }
	END { printf "%s %s %s %s %s %d\n", tps, avg, p99, max, err, mq }' "$1"
}

load1() { cut -d' ' -f1 /proc/loadavg; }
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "server-p99: $(basename "$MYSQLD") pid $MPID on 127.0.0.1:$PORT, sysbench $WL at $RATE tps," \
	"$THREADS client threads, $REPS x ($T s baseline + $T s with a capture every $INTERVAL s)"
echo "cdeadlock: $CDL; $(nproc) CPUs, kernel $(uname -r), load average at start $LOAD0"
[ "$(awk -v l="$(load1)" -v n="$(nproc)" 'BEGIN {print (l > n)}')" = 1 ] &&
	echo "note: the load average is above the number of CPUs; expect noisy figures"
echo

# warm-up (buffer pool, connections), not counted
run_phase warm 0 5

printf '%-9s %8s %8s %8s %9s %6s %6s %8s   %s\n' phase tps "avg ms" "p99 ms" "max ms" errors queue \
	"srv-cpu%" "captures: n status wall-ms cpu-s pause-ms (medians) load1"
for rep in $(seq "$REPS"); do
	for kind in base cap; do
		run_phase "$kind" "$rep" "$T"
		read -r tps avg p99 max err mq < <(sb_figures "$TMP/$kind.$rep.sb")
		echo "$p99" >>"$TMP/$kind.p99"
		echo "$avg" >>"$TMP/$kind.avg"
		echo "$max" >>"$TMP/$kind.max"
		echo "$tps" >>"$TMP/$kind.tps"
		capinfo=-
		if [ "$kind" = cap ]; then
			grep -v target-gone "$TMP/$kind.$rep.cap" >>"$TMP/caps"
			grep -q target-gone "$TMP/$kind.$rep.cap" && echo "WARNING: target went away during a capture phase" >>"$TMP/warnings"
			n=$(grep -vc target-gone "$TMP/$kind.$rep.cap")
			st=$(awk '$1 != "target-gone" {c[$1]++} END {for (k in c) printf "%s%s=%d", s++ ? "," : "", k, c[k]}' "$TMP/$kind.$rep.cap")
			capinfo="$n ${st:--} $(awk '{print $2}' "$TMP/$kind.$rep.cap" | median)"
			capinfo="$capinfo $(awk '$3 != "?" {print $3}' "$TMP/$kind.$rep.cap" | median | dec2)"
			capinfo="$capinfo $(awk '$4 != "?" {print $4 / 1000}' "$TMP/$kind.$rep.cap" | median | dec2)"
		fi
		printf '%-9s %8s %8s %8s %9s %6s %6s %8s   %s %s\n' "$kind $rep" "$tps" "$avg" "$p99" "$max" \
			"$err" "$mq" "$SRVCPU" "$capinfo" "$(load1)"
	done
done

echo
bp=$(median <"$TMP/base.p99")
cp99=$(median <"$TMP/cap.p99")
echo "medians over $REPS phases of $T s each:"
printf '  %-30s p99 %8s ms   avg %8s ms   max %9s ms   tps %s\n' "baseline (no capture)" \
	"$bp" "$(median <"$TMP/base.avg")" "$(median <"$TMP/base.max")" "$(median <"$TMP/base.tps")"
printf '  %-30s p99 %8s ms   avg %8s ms   max %9s ms   tps %s\n' "capture every $INTERVAL s" \
	"$cp99" "$(median <"$TMP/cap.avg")" "$(median <"$TMP/cap.max")" "$(median <"$TMP/cap.tps")"
awk -v b="$bp" -v c="$cp99" 'BEGIN { if (b > 0) printf "  p99 with captures / p99 without = %.2f\n", c / b }'
if [ -s "$TMP/caps" ]; then
	echo "  captures: $(wc -l <"$TMP/caps"), exit status $(awk '{c[$1]++} END {for (k in c) printf "%s%s: %d", s++ ? ", " : "", k, c[k]}' "$TMP/caps")" \
		"(0 no deadlock, 2 deadlock, 1 error, 124 timed out)"
	echo "  per capture (median): wall $(awk '{print $2}' "$TMP/caps" | median) ms," \
		"CPU $(awk '$3 != "?" {print $3}' "$TMP/caps" | median | dec2) s (user+sys)," \
		"target paused $(awk '$4 != "?" {print $4 / 1000}' "$TMP/caps" | median | dec2) ms"
	[ -s "$TMP/cap.err" ] && { echo "  cdeadlock stderr (last lines):"; sort "$TMP/cap.err" | uniq -c | sort -rn | head -5 | sed 's/^/    /'; }
else
	echo "  no capture was done"
fi
echo "load average at end $(cut -d' ' -f1-3 /proc/loadavg) (at start $LOAD0)"

# ---- what a capture sees: the last one under load, and two on the idle server ----
if [ -n "$HAVE_JQ" ]; then
	summary() {
		jq -r '"\(.threads | length) threads; states " +
			([.threads[].state] | group_by(.) | map("\(.[0]) \(length)") | join(", ")) +
			"; verdicts " + ([.threads[].verdict] | group_by(.) | map("\(.[0]) \(length)") | join(", ")) +
			"; waits " + ([.threads[] | .wait.kind? // "none"] | group_by(.) | map("\(.[0]) \(length)") | join(", ")) +
			"; deadlocks \(.deadlocks | length), stuck \(.stuck | length), pause \(.pause_us) us" +
			"; warnings \(.warnings | length)"' "$1"
		jq -r '.warnings[]? | "    warning: \(.)"' "$1" | head -10
		# no thread can have been blocked longer than the process exists
		jq -r --argjson age "$(age_ms)" '.threads[] |
			select(.blocked_for_ms != null and .blocked_for_ms > $age) |
			"    WARNING: tid \(.tid) blocked_for_ms \(.blocked_for_ms) > mariadbd age \($age) ms"' "$1" |
			tee -a "$TMP/warnings"
	}
	# mariadbd's age in ms
	age_ms() {
		awk -v up="$(cut -d' ' -f1 /proc/uptime)" -v hz="$HZ" \
			'{ sub(/.*\) /, ""); printf "%d\n", (up - $20 / hz) * 1000 }' "/proc/$MPID/stat"
	}
	echo
	if [ -s "$TMP/cap.json" ]; then
		echo "last capture under load: $(summary "$TMP/cap.json")"
	fi
	if is_ours; then
		timeout -k 5 60 "$CDL" -p "$MPID" --json -o "$TMP/idle1.json" 2>/dev/null
		sleep "$INTERVAL"
		timeout -k 5 60 "$CDL" -p "$MPID" --json -o "$TMP/idle2.json" 2>/dev/null
		if [ -s "$TMP/idle1.json" ] && [ -s "$TMP/idle2.json" ]; then
			echo "idle server, capture 1: $(summary "$TMP/idle1.json")"
			echo "blocked_for_ms of the longest-blocked threads in two captures $INTERVAL s apart" \
				"(separate runs, idle server):"
			jq -r --slurpfile b "$TMP/idle2.json" '
				($b[0].threads | map({key: (.tid | tostring), value: .blocked_for_ms}) | from_entries) as $m |
				[.threads[] | select(.blocked_for_ms != null)] | sort_by(-.blocked_for_ms) | .[:8][] |
				"    tid \(.tid) \(.name): \(.blocked_for_ms) -> \($m[.tid | tostring] // "gone")"' \
				"$TMP/idle1.json"
		fi
	fi
	st=$(stopped_threads)
	[ "$st" -eq 0 ] || echo "WARNING: $st mariadbd threads in a stopped state at the end" | tee -a "$TMP/warnings"
fi
if [ -n "$KEEP" ]; then
	for f in cap idle1 idle2 cap-failed; do
		[ -s "$TMP/$f.json" ] && cp "$TMP/$f.json" "$KEEP/$f.json"
	done
	echo "captures kept in $KEEP"
fi
[ -s "$TMP/warnings" ] && { echo; sort -u "$TMP/warnings"; }
exit 0
