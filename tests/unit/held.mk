# SPDX-License-Identifier: GPL-2.0-or-later
## tests/unit/held: Rust std waits from their frames and the rules that
## make guard objects held locks and owners (src/libc/runtime.c, held.c)
if HAVE_CHECK
check_PROGRAMS += tests/unit/test-held
TESTS += tests/unit/test-held
tests_unit_test_held_SOURCES = tests/unit/test-held.c
tests_unit_test_held_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_held_LDADD = $(UNIT_LIBS) $(CHECK_LIBS)
endif
## tests/unit/test-cpython: CPython's frames over synthetic memory and the
## waits they explain (src/libc/cpython.c, cpython-wait.c)
if HAVE_CHECK
check_PROGRAMS += tests/unit/test-cpython
TESTS += tests/unit/test-cpython
tests_unit_test_cpython_SOURCES = tests/unit/test-cpython.c
tests_unit_test_cpython_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_cpython_LDADD = $(UNIT_LIBS) $(CHECK_LIBS)
endif
