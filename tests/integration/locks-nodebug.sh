#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# With no separate debug info at all (libc6-dbg hidden by an empty tmpfs
# over /usr/lib/debug in a private mount namespace, no debuginfod): the
# verdict comes from the futex words and glibc's layout alone, libc frames
# are named from its symbol table, and user frames keep file:line.
if [ -z "${CDL_NODEBUG_INNER:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for a mount namespace" >&2; exit 77; }
	command -v unshare >/dev/null 2>&1 || { echo "SKIP: unshare missing" >&2; exit 77; }
	case ${CDL_WRAPPER:-} in
	*valgrind*) echo "SKIP: valgrind itself needs libc's debug info" >&2; exit 77 ;;
	esac
	CDL_NODEBUG_INNER=1 exec unshare --mount --propagation private bash "$0" "$@"
fi
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"

if [ -d /usr/lib/debug ]; then
	mount -t tmpfs cdl-nodebug /usr/lib/debug || skip "cannot hide /usr/lib/debug"
fi
unset DEBUGINFOD_URLS
[ -z "$(ls -A /usr/lib/debug 2>/dev/null)" ] || fail "/usr/lib/debug still visible"

check_abba lock-abba

# libc frames: named, but no source lines (there is no debug info for them)
jq -e '[.threads[].frames[] | select(.module != null and (.module | test("/libc\\.so")))] as $f |
	($f | length) > 0 and all($f[]; .file == null)' "$J" >/dev/null ||
	fail "libc frames carry source lines although its debug info is hidden"
jq -e '[.threads[] | select(.name == "transfer") | .frames[] | select(.function == "pthread_mutex_lock" or .function == "___pthread_mutex_lock" or .function == "__pthread_mutex_lock")] | length == 1' "$J" >/dev/null ||
	fail "no pthread_mutex_lock frame in transfer's stack: $(jq -c '.threads[] | select(.name == "transfer") | [.frames[].function]' "$J")"
# user frames keep their file:line from the fixture's own DWARF
jq -e '[.threads[] | select(.name == "transfer") | .frames[] | select(.file != null and (.file | test("lock-abba\\.c$")) and .line > 0)] | length > 0' "$J" >/dev/null ||
	fail "transfer has no lock-abba.c:line frame"
exit 0
