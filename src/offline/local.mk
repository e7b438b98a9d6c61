# SPDX-License-Identifier: GPL-2.0-or-later
## the offline stage: a raw capture in, a snapshot out (libdw).  No
## ptrace, no /proc: the new unit test links it without libcdl_collect.a.
noinst_LIBRARIES += src/libcdl_offline.a
src_libcdl_offline_a_SOURCES = \
	src/offline/offline.c \
	src/offline/unwind.c \
	src/offline/unwind-libc.c \
	src/offline/unwind-int.h \
	src/offline/symdata.c \
	src/offline/symname.c \
	src/offline/symtail.c \
	src/offline/symcu.c \
	src/offline/guardvars.c \
	include/offline.h
src_libcdl_offline_a_CFLAGS = $(AM_CFLAGS) $(DW_CFLAGS) $(ELF_CFLAGS)
