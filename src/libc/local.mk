# SPDX-License-Identifier: GPL-2.0-or-later
noinst_LIBRARIES += src/libcdl_libc.a
src_libcdl_libc_a_SOURCES = \
	src/libc/classify.c \
	src/libc/glibc.c \
	src/libc/glibc-ops.c \
	src/libc/musl.c \
	src/libc/musl-ops.c \
	src/libc/jvm.c \
	src/libc/musl-unwind.c \
	src/libc/libc-int.h \
	src/libc/runtime.c \
	src/libc/glib.c \
	src/libc/cpython.c \
	src/libc/cpython-wait.c \
	include/cpython.h \
	src/libc/held.c \
	include/libc.h
