#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The two-mutex cycle in a static binary (libc inside the executable).
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
check_abba lock-abba-static
