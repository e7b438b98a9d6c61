#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Two threads take two mutexes in opposite order: one cycle of two.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
check_abba lock-abba
