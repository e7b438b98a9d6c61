#!/bin/bash
# Two threads take two mutexes in opposite order: one cycle of two.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
check_abba lock-abba
