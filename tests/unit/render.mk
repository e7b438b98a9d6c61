# SPDX-License-Identifier: GPL-2.0-or-later
## tests/unit/render
## Expected files live in tests/expected/render-*; regenerate them with
##   CDL_REGEN=1 make check TESTS=tests/unit/test-render
## and review `git diff tests/expected`.
if HAVE_CHECK
check_PROGRAMS += tests/unit/test-render tests/unit/test-load
TESTS += tests/unit/test-render tests/unit/test-load
tests_unit_test_render_SOURCES = tests/unit/test-render.c \
	tests/unit/render-scenarios.c tests/unit/render-scenarios.h
tests_unit_test_render_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_render_CPPFLAGS = $(AM_CPPFLAGS) \
	-DTESTS_SRCDIR_DEFAULT='"$(abs_top_srcdir)/tests"'
tests_unit_test_render_LDADD = $(UNIT_LIBS) $(CHECK_LIBS)
tests_unit_test_load_SOURCES = tests/unit/test-load.c \
	tests/unit/render-scenarios.c tests/unit/render-scenarios.h
tests_unit_test_load_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_load_CPPFLAGS = $(AM_CPPFLAGS) \
	-DTESTS_SRCDIR_DEFAULT='"$(abs_top_srcdir)/tests"'
tests_unit_test_load_LDADD = $(UNIT_LIBS) $(CHECK_LIBS)
endif
## the rendered JSON (tests/expected/render-*.json) against the contract;
## needs python3-jsonschema, skipped without it
TESTS += tests/unit/render-schema.sh
EXTRA_DIST += tests/unit/render-schema.sh
## cdeadlock --load over the expected JSON: same renderings and verdicts,
## one-line errors for bad files (no process attached)
TESTS += tests/unit/render-load-cli.sh
EXTRA_DIST += tests/unit/render-load-cli.sh
CLEANFILES += test-render.*.actual
