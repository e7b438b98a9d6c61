#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# savecore-stacks.sh - the core `--save-core` writes shows in gdb (`thread
# apply all bt`) the same stacks as cdeadlock's snapshot of the same
# capture, and in eu-stack --core the same as eu-stack -p on the live
# process just before, for every variant of the stack fixture
# (-O0, -O2 -fomit-frame-pointer, non-PIE, stripped, static, C++), read
# after the fixture is gone; readelf reads its notes, and the snapshot
# note is the --json output.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/frames-lib.sh"
. "$TESTS_SRCDIR/integration/savecore-lib.sh"

check_variant() {
	local variant=$1 pid core=$TEST_TMP/$1.core
	start_fixture "$variant"
	pid=$FIX_PID
	wait_main_futex "$pid"
	eu_frames -p "$pid" >"$TEST_TMP/eu-live"
	assert_running "$pid"
	save_core "$pid" "$core"
	cp "$TEST_TMP/out" "$TEST_TMP/$variant.json"
	stop_fixture "$pid"

	check_notes "$core" "$TEST_TMP/$variant.json"
	check_gdb_frames "$FIXTURES/$variant" "$core" "$TEST_TMP/$variant.json" "$variant"
	check_eu_stack "$TEST_TMP/eu-live" "$FIXTURES/$variant" "$core" "$variant"
	note "$variant: $(cut -f1 "$TEST_TMP/cdl.tsv" | sort -u | wc -l) threads," \
		"$(wc -l <"$TEST_TMP/cdl.tsv") frames match gdb's on a $(stat -c %s "$core")-byte core"
}

check_variant stacks-O0
check_variant stacks-O2
check_variant stacks-nopie
check_variant stacks-static
check_variant stacks-stripped
check_variant stacks-cxx
check_variant stacks-cxx-O2
exit 0
