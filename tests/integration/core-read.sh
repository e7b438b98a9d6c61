#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# core-read.sh - the core reader (tests/unit/core-dump) over real cores of
# the lock-abba fixture: one written by gdb's gcore, one by the kernel
# (when core_pattern writes a plain file; this test never changes it),
# each also zstd-compressed, truncated and corrupted.  Threads, their pcs,
# the modules and their build-ids must equal what eu-readelf, eu-unstrip
# and gdb read from the same core.
. "$TESTS_SRCDIR/lib.sh"

DUMP=$TOP_BUILDDIR/tests/unit/core-dump
[ -x "$DUMP" ] || fail "$DUMP not built"
command -v eu-readelf >/dev/null 2>&1 || skip "eu-readelf (elfutils) not installed"
command -v eu-unstrip >/dev/null 2>&1 || skip "eu-unstrip (elfutils) not installed"
EXE=$FIXTURES/lock-abba-plain    # no sanitizer in it, whatever the build
checked=0

# tids of a live process, sorted, space-separated
tids_of() { ls /proc/"$1"/task | sort -n | tr '\n' ' '; }

# check_core LABEL CORE PID TIDS: the reader agrees with elfutils and gdb
check_core() {
	local label=$1 core=$2 pid=$3 tids=$4 d=$TEST_TMP/$1
	mkdir -p "$d"
	"$DUMP" "$core" >"$d/dump" 2>"$d/err" || fail "$label: core-dump failed: $(cat "$d/err")"

	# threads: the same tids as the process had
	[ "$(awk '$1 == "thread" {print $2}' "$d/dump" | sort -n | tr '\n' ' ')" = "$tids" ] ||
		fail "$label: threads differ: want $tids, got: $(grep ^thread "$d/dump")"
	grep -q "^psinfo pid $pid .* fname lock-abba-plain psargs $EXE\$" "$d/dump" ||
		fail "$label: psinfo: $(grep ^psinfo "$d/dump")"
	grep -q "^auxv .* execfn $EXE\$" "$d/dump" || fail "$label: execfn: $(grep ^auxv "$d/dump")"

	# every thread's pc as eu-readelf -n reads NT_PRSTATUS
	eu-readelf -n "$core" | awk '
		/^ +pid: / { tid = $2; sub(",", "", tid) }
		/ rip: / { for (i = 1; i < NF; i++) if ($i == "rip:") print tid, $(i + 1) }' |
		while read -r tid pc; do printf '%s 0x%x\n' "$tid" "$((pc))"; done | sort >"$d/want-pc"
	awk '$1 == "thread" {print $2, $4}' "$d/dump" | sort >"$d/got-pc"
	[ -s "$d/want-pc" ] || fail "$label: eu-readelf shows no rip"
	diff -u "$d/want-pc" "$d/got-pc" >&2 || fail "$label: pcs differ from eu-readelf -n"
	note "$label: $(wc -l <"$d/got-pc") threads, pcs equal eu-readelf's"

	# modules: start and build-id as eu-unstrip finds them (it walks the
	# link map), from NT_FILE and from our own link map walk
	eu-unstrip -n --core="$core" | awk '{split($1, a, "+"); split($2, b, "@"); print a[1], b[1]}' |
		while read -r start bid; do printf '0x%x %s\n' "$((start))" "$bid"; done | sort >"$d/want-mod"
	awk '$1 == "module" {split($2, a, "-"); print a[1], $5}' "$d/dump" | sort >"$d/got-mod"
	diff -u "$d/want-mod" "$d/got-mod" >&2 || fail "$label: modules (NT_FILE) differ from eu-unstrip -n"
	"$DUMP" --link-map "$core" | awk '$1 == "module" {split($2, a, "-"); print a[1], $5}' |
		sort >"$d/got-lm"
	diff -u "$d/want-mod" "$d/got-lm" >&2 || fail "$label: modules (link map) differ from eu-unstrip -n"
	grep -q "^modules .* from link_map" <("$DUMP" --link-map "$core") || fail "$label: no link map"
	note "$label: $(wc -l <"$d/got-mod") modules with build-ids equal eu-unstrip's (NT_FILE and link map)"

	# the program's build-id is the one of the file on disk
	local bid
	bid=$(eu-readelf -n "$EXE" | awk '/Build ID:/ {print $3}')
	grep -q "^module .* $bid $EXE\$" "$d/dump" || fail "$label: $EXE build-id $bid not found"

	# memory: 32 bytes at the first thread's sp, as gdb reads them
	if [ -n "${GDB:-}" ]; then
		local sp want got
		sp=$(awk '$1 == "thread" {print $6; exit}' "$d/dump")
		got=$("$DUMP" "$core" "$sp" 32)
		want=$("$GDB" -batch -nx "$EXE" "$core" -ex "x/32xb $sp" 2>/dev/null |
			sed -n 's/^0x[0-9a-f]*[^:]*:\s*//p' | tr -d ' \t\n' | sed 's/0x//g')
		[ -n "$want" ] || fail "$label: gdb read nothing at $sp"
		[ "$got" = "$want" ] || fail "$label: 32 bytes at sp $sp: got $got, gdb $want"
		note "$label: 32 bytes at sp equal gdb's x/32xb"
	fi

	# zstd: the same facts; corrupt or cut: one line, exit 1
	if command -v zstd >/dev/null 2>&1; then
		zstd -q -1 -o "$d/core.zst" "$core" || fail "$label: zstd failed"
		"$DUMP" "$d/core.zst" >"$d/dump.zst" 2>"$d/err" ||
			fail "$label: core-dump on zstd failed: $(cat "$d/err")"
		grep -q '^compression zstd$' "$d/dump.zst" || fail "$label: not seen as zstd"
		diff -u <(grep -v '^compression' "$d/dump") <(grep -v '^compression' "$d/dump.zst") >&2 ||
			fail "$label: the zstd core reads differently"
		"$DUMP" --tmpdir "$TEST_TMP" "$d/core.zst" | grep -v '^compression' |
			diff -u <(grep -v '^compression' "$d/dump") - >&2 || fail "$label: zstd via --tmpdir differs"
		head -c $(($(stat -c %s "$d/core.zst") / 2)) "$d/core.zst" >"$d/cut.zst"
		bad_core "$label: cut zstd" "$d/cut.zst" "truncated zstd data"
		cp "$d/core.zst" "$d/bad.zst"
		printf '\377\377\377\377\377\377\377\377' |
			dd of="$d/bad.zst" bs=1 seek=200 conv=notrunc 2>/dev/null
		bad_core "$label: corrupt zstd" "$d/bad.zst" "zstd data"
		bad_core "$label: zstd over the cap" "$d/core.zst" "exceeds the limit" --cap 1000000
		note "$label: zstd core reads the same; cut, corrupt, over the cap: one-line errors"
	else
		note "$label: zstd tool not installed, zstd part not run"
	fi

	# cut in half: the kernel writes the notes first, so the threads stay
	# and a warning says memory is missing; gdb writes them last, so the
	# cut takes them: a one-line error
	head -c $(($(stat -c %s "$core") / 2)) "$core" >"$d/half"
	if "$DUMP" "$d/half" >"$d/dump.half" 2>"$d/err"; then
		grep -q '^warning truncated core: ' "$d/dump.half" || fail "$label: half core: no warning"
		diff <(grep ^thread "$d/dump") <(grep ^thread "$d/dump.half") >&2 ||
			fail "$label: half core: threads differ"
		note "$label: cut in half: same threads, warning: $(grep -m1 '^warning' "$d/dump.half")"
	else
		bad_core "$label: half core" "$d/half" "truncated core: the notes end at"
		note "$label: cut in half: $(cat "$TEST_TMP/bad.err")"
	fi
	# cut in the program headers: an error
	head -c 100 "$core" >"$d/cut100"
	bad_core "$label: cut at 100" "$d/cut100" "truncated core: the program headers end at"
	checked=$((checked + 1))
}

# bad_core LABEL FILE PATTERN [OPTIONS]: exit 1, one line naming the file
bad_core() {
	local label=$1 file=$2 pattern=$3
	shift 3
	"$DUMP" "$@" "$file" >"$TEST_TMP/bad.out" 2>"$TEST_TMP/bad.err"
	local rc=$?
	[ "$rc" = 1 ] || fail "$label: exit status $rc, want 1"
	[ "$(wc -l <"$TEST_TMP/bad.err")" = 1 ] || fail "$label: not one line: $(cat "$TEST_TMP/bad.err")"
	grep -q -- "$pattern" "$TEST_TMP/bad.err" || fail "$label: '$pattern' not in: $(cat "$TEST_TMP/bad.err")"
}

# not cores: the program itself, a text file
bad_core "executable" "$EXE" "not a core file (an ELF "
echo "hello" >"$TEST_TMP/text"
bad_core "text file" "$TEST_TMP/text" "not a core file (no ELF header)"

# 1. gdb gcore of the running fixture; the fixture runs on afterwards
if [ -n "${GDB:-}" ]; then
	start_fixture lock-abba-plain
	wait_futex_blocked "$FIX_PID" 2
	tids=$(tids_of "$FIX_PID")
	timeout 120 "$GDB" -batch -nx -p "$FIX_PID" -ex "gcore $TEST_TMP/gcore.core" >"$TEST_TMP/gdb.out" 2>&1 ||
		fail "gcore failed: $(tail -5 "$TEST_TMP/gdb.out")"
	assert_running "$FIX_PID"
	check_core gcore "$TEST_TMP/gcore.core" "$FIX_PID" "$tids"
	kill -KILL "$FIX_PID"
	wait "$FIX_PID" 2>/dev/null
else
	note "gdb not installed: gcore part not run"
fi

# 2. a kernel core, only where core_pattern writes a plain file in the
# process's directory (a pipe to systemd-coredump or apport is not ours)
pattern=$(cat /proc/sys/kernel/core_pattern 2>/dev/null)
case $pattern in
'|'*) note "SKIP kernel core: core_pattern is a pipe ($pattern)" ;;
*/*) note "SKIP kernel core: core_pattern writes elsewhere ($pattern)" ;;
'') note "SKIP kernel core: core_pattern unreadable" ;;
*)
	if ulimit -c unlimited 2>/dev/null; then
		mkdir "$TEST_TMP/kdir"
		cd "$TEST_TMP/kdir" || fail "cd"
		start_fixture lock-abba-plain
		wait_futex_blocked "$FIX_PID" 2
		tids=$(tids_of "$FIX_PID")
		pid=$FIX_PID
		kill -ABRT "$pid"
		wait "$pid" 2>/dev/null
		cd "$TEST_TMP" || fail "cd"
		kcore=$(ls "$TEST_TMP/kdir"/* 2>/dev/null | head -1)
		if [ -n "$kcore" ]; then
			check_core kernel "$kcore" "$pid" "$tids"
			grep -q '^siginfo signo 6 ' "$TEST_TMP/kernel/dump" || fail "kernel: siginfo not SIGABRT"
		else
			note "SKIP kernel core: no core written (pattern '$pattern', RLIMIT_CORE $(ulimit -c))"
		fi
	else
		note "SKIP kernel core: cannot raise RLIMIT_CORE"
	fi
	;;
esac

[ "$checked" -gt 0 ] || skip "neither a gcore nor a kernel core could be made"
note "ok: $checked cores"
