#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The two-mutex cycle in an -O2 stripped build (names from .dynsym only;
# libc without debug info): same verdict, same lock names.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
check_abba lock-abba-stripped
