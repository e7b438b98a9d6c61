#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue #10: lock-abba in its own PID and mount namespace with a private
# root that alone holds the executable (and, for the dynamic builds, copies
# of its libraries; for the split one, its separate debug file), seen from
# the host: the files are opened as the target sees them (/proc/PID/root),
# so stacks, lock names and file:line are there, and they are those of a
# run inside (nsenter).
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
. "$TESTS_SRCDIR/integration/ns-lib.sh"

command -v pivot_root >/dev/null 2>&1 || skip "pivot_root not installed"
unshare --fork --pid --mount sh -c 'mount -t tmpfs none "$1"' - "$TEST_TMP" 2>/dev/null ||
	skip "unshare --mount with a tmpfs not permitted here"

# In the new mount namespace: a tmpfs root at ROOT (empty on the host)
# holding /lock-abba-ns (a path the host does not have) and, for a
# dynamic build, copies of the libraries it loads at their paths; then
# pivot_root into it and exec the fixture as pid 1.  The copies keep
# their dates, as an image's files do: a library written after the
# process started (this shell) may not be what it mapped, and would
# rightly lose its names.
SETUP='root=$1 exe=$2 debug=$3 debug_at=$4
mount -t tmpfs none "$root" || exit 1
cp -p "$exe" "$root/lock-abba-ns" || exit 1
if [ -n "$debug" ]; then
	mkdir -p "$root$(dirname "$debug_at")" && cp -p "$debug" "$root$debug_at" || exit 1
fi
for lib in $(ldd "$exe" 2>/dev/null | grep -o "/[^ ]*"); do
	mkdir -p "$root$(dirname "$lib")" && cp -pL "$lib" "$root$lib" || exit 1
done
mkdir "$root/proc" && mount -t proc proc "$root/proc" || exit 1
mkdir "$root/old" && cd "$root" && pivot_root . old && exec /lock-abba-ns'

# Inside, cdeadlock runs from the old root (/old), with its own loader and
# libraries from there.
cdl_ld=$(readlink -f "$(ldd "$CDEADLOCK" | grep -o '/[^ ]*ld-linux[^ ]*' | head -1)")
cdl_libs=$(ldd "$CDEADLOCK" | grep -o '=> /[^ ]*' | cut -c4- | xargs -n1 readlink -f |
	xargs -n1 dirname | sort -u | sed 's|^|/old|' | paste -sd:)
# no debug files but the process's own on either side, so that both runs
# see the same files (a host debug file matching by build-id would give
# the host run more)
HIDE_DEBUG='[ ! -d /usr/lib/debug ] || mount -t tmpfs cdl-nodebug /usr/lib/debug || exit 99
exec "$@"'

for build in static dynamic split; do
	debug= debug_at=
	case $build in
	static) exe=$FIXTURES/lock-abba-static ;;
	dynamic) exe=$FIXTURES/lock-abba ;;
	split)
		# debug info only in a separate file, in the process's root at
		# its build-id's path: file:line must come from there
		exe=$FIXTURES/lock-abba-split debug=$FIXTURES/lock-abba-split.debug
		id=$(readelf -n "$exe" | sed -n 's/.*Build ID: *//p')
		[ -n "$id" ] || fail "lock-abba-split has no build-id"
		debug_at=/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug ;;
	esac
	[ -x "$exe" ] || fail "fixture $exe not built"
	[ ! -e /lock-abba-ns ] || skip "/lock-abba-ns exists on the host"
	mkdir "$TEST_TMP/root-$build"
	ns_start "lock-abba-$build" --mount sh -c "$SETUP" - "$TEST_TMP/root-$build" "$exe" "$debug" "$debug_at"
	grep -q ' /lock-abba-ns$' /proc/"$NS_PID"/maps || fail "$build: not mapped as /lock-abba-ns"
	wait_futex_blocked "$NS_PID" 2
	check_ns_abba
	jq -e '.exe == "/lock-abba-ns" and ([.threads[] | select(.name == "audit") | .frames[] |
	       select(.function == "audit") | .file | test("lock-abba.c$")] | length == 1)' "$J" >/dev/null ||
		fail "$build: no source line for audit: $(jq -c '.exe, [.threads[] | select(.name == "audit") | .frames[]]' "$J")"
	note "$build: $(functions audit "$J")"
	# the same from the host and from inside
	if [ -n "${CDL_WRAPPER:-}" ] || ! command -v nsenter >/dev/null 2>&1 || [ -z "$cdl_ld" ]; then
		note "$build: no inside run (wrapper or nsenter missing)"
		continue
	fi
	set +e
	env -u DEBUGINFOD_URLS unshare --mount sh -c "$HIDE_DEBUG" - "$CDEADLOCK" -p "$NS_PID" --json \
		>"$TEST_TMP/host.json" 2>"$TEST_TMP/err"
	RC=$?
	[ $RC != 99 ] || skip "cannot hide /usr/lib/debug"
	expect_rc 2
	env -u DEBUGINFOD_URLS nsenter -t "$NS_PID" -p -m -r -- "/old$cdl_ld" --library-path "$cdl_libs" \
		"/old$CDEADLOCK" -p 1 --json >"$TEST_TMP/in.json" 2>"$TEST_TMP/err"
	RC=$?
	expect_rc 2
	assert_running "$NS_PID"
	same_as_inside "$TEST_TMP/host.json" "$TEST_TMP/in.json"
	note "$build: host and inside agree on $(jq '.threads | length' "$TEST_TMP/in.json") threads"
done
