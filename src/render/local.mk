# SPDX-License-Identifier: GPL-2.0-or-later
noinst_LIBRARIES += src/libcdl_render.a
src_libcdl_render_a_SOURCES = \
	src/render/text.c \
	src/render/words.c \
	src/render/json.c \
	src/render/group.c \
	src/render/syscall.c \
	src/render/render-int.h \
	include/render.h
