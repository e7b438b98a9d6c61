# SPDX-License-Identifier: GPL-2.0-or-later
# stacks-lib.sh - stacks as gdb and as cdeadlock show them, in one form
# ("tid<TAB>index<TAB>function<TAB>file:line" per frame) for the tests
# that compare them (stacks.sh, locks-musl-stacks.sh).  Sourced after
# lib.sh; needs $GDB and jq.

# gdb_frames PID: "tid<TAB>index<TAB>function<TAB>file:line" per frame
gdb_frames() {
	# a gdb that hangs must not hang the suite
	timeout 300 "$GDB" -nx -batch -p "$1" \
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

# cdl_frames: the same from cdeadlock's JSON in $TEST_TMP/out
cdl_frames() {
	jq -r '.threads[] | .tid as $t | .frames | to_entries[] |
		"\($t)\t\(.key)\t" +
		(if .value.signal_frame then "<signal handler called>"
		 elif .value.function == null then "??"
		 else .value.function end) + "\t" +
		(if .value.file != null and .value.line != null
		 then (.value.file | split("/") | last) + ":" + (.value.line | tostring)
		 else "" end)' "$TEST_TMP/out"
}

# same_lines GDB_TSV CDL_TSV: the same file:line wherever gdb has one
# (prints the frames that differ)
same_lines() {
	awk -F'\t' 'NR == FNR { if ($4 != "") want[$1 "\t" $2] = $4; next }
		($1 "\t" $2) in want && want[$1 "\t" $2] != $4 {
			print "thread " $1 " frame " $2 " " $3 ": gdb " want[$1 "\t" $2] ", cdeadlock " $4
			bad = 1
		}
		END { exit bad }' "$1" "$2"
}
