# SPDX-License-Identifier: GPL-2.0-or-later
# locks-musl-lib.sh - helpers of the musl lock tests (locks-musl*.sh),
# sourced after lib.sh and locks-lib.sh.

# need_musl FIXTURE: skip unless the musl fixtures were built
need_musl() {
	[ -x "$FIXTURES/$1" ] ||
		skip "tests/fixtures/$1 not built: configure found no musl-gcc (install musl-tools)"
}

# expect_musl: the snapshot names musl as the libc, its layout checked
# out, and no warning gives glibc's advice (libc6-dbg) or names glibc
expect_musl() {
	jq -e '.libc | startswith("musl")' "$J" >/dev/null || fail "libc: $(jq -c .libc "$J")"
	! jq -r '.warnings[]?' "$J" | grep -Eqi 'libc6-dbg|glibc|layout|not trusted|not shown' ||
		fail "warnings: $(jq -c .warnings "$J")"
}

# snapshot_undecided PID N: poll (--stuck 0.2) until N threads are
# undecided, as a loaded machine may capture before they have waited
snapshot_undecided() {
	local deadline=$((SECONDS + 120))
	while :; do
		snapshot "$1" --stuck 0.2
		[ "$RC" = 3 ] && jq -e --argjson n "$2" '(.undecided | length) == $n' "$J" >/dev/null 2>&1 && return 0
		[ $SECONDS -lt $deadline ] || return 0
		sleep 0.2
	done
}

# expect_unknown_owner NAME KIND SYMBOL DETAIL: a lock wait whose owner
# musl does not record: none shown, the reason named, the thread stuck
# (SYMBOL "null" for an unnamed object)
expect_unknown_owner() {
	local w
	w=$(tid_of "$1")
	jq -e --argjson w "$w" --arg k "$2" --arg s "$3" --arg d "$4" '
		def sym: if . == null then "null" else . end;
		(.threads[] | select(.tid == $w) | .wait.kind == $k and (.wait.symbol | sym) == $s and
		 .wait.owner_tid == null and .wait.detail == $d and
		 (.wait.flags | index("owner_unknown")) and .verdict == "stuck") and
		(.undecided | index($w))' "$J" >/dev/null ||
		fail "$1: not an undecided $2 on $3: $(jq -c --argjson w "$w" '(.threads[] | select(.tid == $w) | {verdict, wait}), .undecided' "$J")"
}
