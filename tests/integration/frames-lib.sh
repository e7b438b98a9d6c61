# SPDX-License-Identifier: GPL-2.0-or-later
# frames-lib.sh - every thread's frames as gdb and as cdeadlock show them,
# in one form, and their comparison (stacks.sh and locks-musl-stacks.sh on
# live processes, savecore-*.sh on the cores --save-core writes).  Sourced
# after lib.sh; skips the test without gdb or jq.
#
# gdb runs with `backtrace past-main on` so that both tools walk to the
# outermost frame.

need_jq
if [ -z "${GDB:-}" ]; then
	GDB=$(command -v gdb) || skip "gdb not installed"
fi
[ -x "$GDB" ] || skip "gdb not installed"
# both tools the same debug info: no downloads for either
unset DEBUGINFOD_URLS

# wait_main_futex PID: until the main thread of PID sleeps in a futex
# (the stack fixture's pthread_join)
wait_main_futex() {
	local deadline=$((SECONDS + 20))
	until case "$(cat /proc/"$1"/syscall 2>/dev/null)" in 202\ *) true ;; *) false ;; esac; do
		[ $SECONDS -lt $deadline ] || fail "main thread of $1 never blocked"
		sleep 0.02
	done
}

# gdb_frames -p PID | gdb_frames EXE CORE: "tid<TAB>index<TAB>function<TAB>
# file:line" per frame of every thread
gdb_frames() {
	# a gdb that hangs must not hang the suite
	timeout 300 "$GDB" -nx -batch "$@" \
		-ex 'set width 0' -ex 'set height 0' \
		-ex 'set backtrace past-main on' \
		-ex 'set print frame-arguments presence' \
		-ex 'thread apply all bt' 2>/dev/null |
	awk '
	# gdb leaves the parameter list on a C++ name its parser cannot read
	# (one with a lambda or another unnamed type in it); cdeadlock never
	# shows one for a function named from DWARF: drop it
	function drop_params(s,    i, c, depth) {
		sub(/ const$/, "", s)
		if (substr(s, length(s)) != ")")
			return s
		depth = 0
		for (i = length(s); i > 0; i--) {
			c = substr(s, i, 1)
			if (c == ")")
				depth++
			else if (c == "(" && --depth == 0)
				# "operator()" alone is a name, not a parameter list
				return substr(s, 1, i - 1) ~ /operator$/ ? s : substr(s, 1, i - 1)
		}
		return s
	}
	/^Thread [0-9]+ / {
		tid = ""
		if (match($0, /LWP [0-9]+/))
			tid = substr($0, RSTART + 4, RLENGTH - 4)
		idx = 0
		next
	}
	/^#[0-9]+ / && tid != "" {
		line = $0
		sub(/^#[0-9]+ +/, "", line)
		sub(/^0x[0-9a-f]+ in /, "", line)
		fl = ""
		if (match(line, / at [^ ]+:[0-9]+$/)) {
			fl = substr(line, RSTART + 4)
			line = substr(line, 1, RSTART - 1)
			n = split(fl, parts, "/")
			fl = parts[n]
		} else {
			sub(/ from [^ ]+$/, "", line)
		}
		sub(/ \((\.\.\.)?\)$/, "", line)
		if (line ~ /<lambda\(\)>|\{\.\.\.\}/)
			line = drop_params(line)
		print tid "\t" idx++ "\t" line "\t" fl
	}'
}

# cdl_frames JSON: the same from a cdeadlock snapshot
cdl_frames() {
	jq -r '.threads[] | .tid as $t | .frames | to_entries[] |
		"\($t)\t\(.key)\t" +
		(if .value.signal_frame then "<signal handler called>"
		 elif .value.function == null then "??"
		 else .value.function end) + "\t" +
		(if .value.file != null and .value.line != null
		 then (.value.file | split("/") | last) + ":" + (.value.line | tostring)
		 else "" end)' "$1"
}

# same_lines GDB.tsv CDL.tsv: the same file:line wherever gdb shows one
# (prints the frames that differ)
same_lines() {
	awk -F'\t' 'NR == FNR { if ($4 != "") want[$1 "\t" $2] = $4; next }
		($1 "\t" $2) in want && want[$1 "\t" $2] != $4 {
			print "thread " $1 " frame " $2 " " $3 ": gdb " want[$1 "\t" $2] ", cdeadlock " $4
			bad = 1
		}
		END { exit bad }' "$1" "$2"
}

# same_frames GDB.tsv CDL.tsv WHAT: the same function sequence for every
# thread, and the same file:line wherever gdb shows one
same_frames() {
	cut -f1-3 "$1" | sort >"$TEST_TMP/gdb.fn"
	cut -f1-3 "$2" | sort >"$TEST_TMP/cdl.fn"
	if ! diff -u "$TEST_TMP/gdb.fn" "$TEST_TMP/cdl.fn" >"$TEST_TMP/diff"; then
		cat "$TEST_TMP/diff"
		fail "$3: function sequences differ from gdb's"
	fi
	same_lines "$1" "$2" || fail "$3: source lines differ from gdb's"
}
