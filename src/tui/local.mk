# SPDX-License-Identifier: GPL-2.0-or-later
noinst_LIBRARIES += src/libcdl_tui.a
src_libcdl_tui_a_SOURCES = \
	src/tui/tui.c \
	src/tui/draw.c \
	src/tui/panes.c \
	src/tui/actions.c \
	src/tui/view.h \
	src/tui/model.c \
	src/tui/keys.c \
	src/tui/tui-int.h \
	include/tui.h
src_libcdl_tui_a_CFLAGS = $(AM_CFLAGS) $(NCURSES_CFLAGS)
