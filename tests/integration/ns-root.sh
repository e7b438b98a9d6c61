#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue #10: lock-abba in its own PID and mount namespace with a private
# root that alone holds the executable (and, for the dynamic build, copies
# of its libraries), seen from the host: the files are opened as the
# target sees them (/proc/PID/root), so stacks and lock names are there.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
. "$TESTS_SRCDIR/integration/ns-lib.sh"

command -v pivot_root >/dev/null 2>&1 || skip "pivot_root not installed"
unshare --fork --pid --mount sh -c 'mount -t tmpfs none "$1"' - "$TEST_TMP" 2>/dev/null ||
	skip "unshare --mount with a tmpfs not permitted here"

# In the new mount namespace: a tmpfs root at ROOT (empty on the host)
# holding /lock-abba-ns (a path the host does not have) and, for a
# dynamic build, copies of the libraries it loads at their paths; then
# pivot_root into it and exec the fixture as pid 1.
SETUP='root=$1 exe=$2
mount -t tmpfs none "$root" || exit 1
cp "$exe" "$root/lock-abba-ns" || exit 1
for lib in $(ldd "$exe" 2>/dev/null | grep -o "/[^ ]*"); do
	mkdir -p "$root$(dirname "$lib")" && cp -L "$lib" "$root$lib" || exit 1
done
mkdir "$root/old" && cd "$root" && pivot_root . old && exec /lock-abba-ns'

for build in static dynamic; do
	case $build in
	static) exe=$FIXTURES/lock-abba-static ;;
	dynamic) exe=$FIXTURES/lock-abba ;;
	esac
	[ -x "$exe" ] || fail "fixture $exe not built"
	[ ! -e /lock-abba-ns ] || skip "/lock-abba-ns exists on the host"
	mkdir "$TEST_TMP/root-$build"
	ns_start "lock-abba-$build" --mount sh -c "$SETUP" - "$TEST_TMP/root-$build" "$exe"
	grep -q ' /lock-abba-ns$' /proc/"$NS_PID"/maps || fail "$build: not mapped as /lock-abba-ns"
	wait_futex_blocked "$NS_PID" 2
	check_ns_abba
	jq -e '.exe == "/lock-abba-ns" and ([.threads[] | select(.name == "audit") | .frames[] |
	       select(.function == "audit") | .file | test("lock-abba.c$")] | length == 1)' "$J" >/dev/null ||
		fail "$build: no source line for audit: $(jq -c '.exe, [.threads[] | select(.name == "audit") | .frames[]]' "$J")"
	note "$build: $(functions audit "$J")"
done
