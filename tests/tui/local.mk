# SPDX-License-Identifier: GPL-2.0-or-later
## TUI tests
## test-tui drives the TUI headless (a key script in, screen dumps out)
## over synthetic snapshots; expected screens live in tests/tui/expected.
## Regenerate them with
##   CDL_TUI_REGEN=1 make check TESTS=tests/tui/test-tui
## and review `git diff tests/tui/expected`.
if HAVE_CHECK
check_PROGRAMS += tests/tui/test-tui
TESTS += tests/tui/test-tui
tests_tui_test_tui_SOURCES = tests/tui/test-tui.c
tests_tui_test_tui_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(NCURSES_CFLAGS)
tests_tui_test_tui_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/tui \
	-DTESTS_SRCDIR_DEFAULT='"$(abs_top_srcdir)/tests"'
tests_tui_test_tui_LDADD = src/libcdl_tui.a $(UNIT_LIBS) $(NCURSES_LIBS) $(CHECK_LIBS)
endif
EXTRA_DIST += tests/tui/expected
CLEANFILES += tui-actual/*.actual

## the TUI in tmux against a deadlocked fixture of its own
check_PROGRAMS += tests/tui/tui-deadlock
tests_tui_tui_deadlock_SOURCES = tests/tui/tui-deadlock.c
tests_tui_tui_deadlock_LDADD = -lpthread
TESTS += tests/tui/tmux-smoke.sh
EXTRA_DIST += tests/tui/tmux-smoke.sh

## the bash completion offers what --help lists
TESTS += tests/tui/completion.sh
EXTRA_DIST += tests/tui/completion.sh
