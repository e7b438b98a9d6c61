# SPDX-License-Identifier: GPL-2.0-or-later
if HAVE_CHECK
check_PROGRAMS += tests/unit/test-model
TESTS += tests/unit/test-model
tests_unit_test_model_SOURCES = tests/unit/test-model.c
tests_unit_test_model_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_model_LDADD = $(UNIT_LIBS) $(CHECK_LIBS)
endif
