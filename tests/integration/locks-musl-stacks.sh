#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Stacks through musl's code, which has no CFI (its assembly syscall
# wrappers, and all of it in a static program or a libc.so without its
# debug file), compared with gdb's `thread apply all bt` on the same
# process: every frame gdb names before it gets lost (its first ??) is
# cdeadlock's frame at the same depth with the same name and file:line -
# except a name gdb takes from a sizeless symbol (musl's memset has no
# .size, so gdb names the hidden functions after it "memset"), where
# cdeadlock says ?? - and cdeadlock goes on to the user frames: the lock
# calls of lock-abba.c, the pause of the main thread.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
. "$TESTS_SRCDIR/integration/locks-musl-lib.sh"
need_musl musl-abba
. "$TESTS_SRCDIR/integration/frames-lib.sh"

SRC=$TESTS_SRCDIR/fixtures/lock-abba.c
# the two lock calls that deadlock, in source order (transfer, audit)
LINES=($(grep -n 'deadlocks here' "$SRC" | cut -d: -f1))
[ ${#LINES[@]} = 2 ] || fail "no 'deadlocks here' marks in $SRC"

# sizeless PID: names of the function symbols without a size in the
# files PID maps executable (gdb stretches them over what follows)
sizeless() {
	awk '$2 ~ /x/ && $6 ~ /^\// { print $6 }' /proc/"$1"/maps | sort -u |
	while read -r f; do
		readelf -Ws "$f" 2>/dev/null | awk '$4 == "FUNC" && $3 == 0 && $7 != "UND" { sub(/@.*/, "", $8); print $8 }'
	done | sort -u
}

for fix in musl-abba musl-abba-static; do
	start_fixture "$fix"
	pid=$FIX_PID
	wait_futex_blocked "$pid" 2
	sizeless "$pid" >"$TEST_TMP/sizeless"
	gdb_frames -p "$pid" >"$TEST_TMP/gdb.tsv"
	assert_running "$pid"
	[ -s "$TEST_TMP/gdb.tsv" ] || skip "gdb could not attach to $pid"
	snapshot "$pid"
	cdl_frames "$J" >"$TEST_TMP/cdl.tsv" || fail "$fix: unreadable JSON"

	# gdb's named frames before its first ??: the same in cdeadlock
	awk -F'\t' 'FILENAME == ARGV[1] { nosize[$1] = 1; next }
		FILENAME == ARGV[2] { cdl[$1 "\t" $2] = $3; next }
		$1 != tid { tid = $1; lost = 0 }
		$3 == "??" { lost = 1 }
		lost { next }
		{
			got = cdl[$1 "\t" $2]
			if (got == $3 || ($3 in nosize && got == "??"))
				next
			print "thread " $1 " frame " $2 ": gdb " $3 ", cdeadlock " got
			bad = 1
		}
		END { exit bad }' "$TEST_TMP/sizeless" "$TEST_TMP/cdl.tsv" "$TEST_TMP/gdb.tsv" ||
		fail "$fix: frames differ from gdb's"
	same_lines "$TEST_TMP/gdb.tsv" "$TEST_TMP/cdl.tsv" || fail "$fix: source lines differ from gdb's"
	# no cdeadlock frame is named after a sizeless symbol it is not at
	jq -r --slurpfile n <(jq -R . "$TEST_TMP/sizeless") '.threads[].frames[] |
		select(.function as $f | $n | index($f)) | select(.offset != 0) |
		"\(.function)+\(.offset)"' "$J" | grep . &&
		fail "$fix: frames named after a sizeless symbol"

	# past gdb: the lock calls, and the main thread's pause
	i=0
	for t in transfer audit; do
		tid=$(tid_of $t)
		awk -F'\t' -v t="$tid" -v f="$t" -v l="lock-abba.c:${LINES[$i]}" \
			'$1 == t && $3 == f && $4 == l { ok = 1 } END { exit !ok }' "$TEST_TMP/cdl.tsv" ||
			fail "$fix: $t not at its lock call ${LINES[$i]}: $(awk -F'\t' -v t="$tid" '$1 == t' "$TEST_TMP/cdl.tsv" | tr '\n\t' '; ')"
		i=$((i + 1))
	done
	awk -F'\t' -v t="$pid" '$1 == t && $3 == "main" { ok = 1 } END { exit !ok }' "$TEST_TMP/cdl.tsv" ||
		fail "$fix: main thread does not reach main"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	note "$fix: gdb $(awk -F'\t' '$3 != "??"' "$TEST_TMP/gdb.tsv" | wc -l) named frames, cdeadlock $(awk -F'\t' '$3 != "??"' "$TEST_TMP/cdl.tsv" | wc -l)"
done
exit 0
