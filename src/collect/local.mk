# SPDX-License-Identifier: GPL-2.0-or-later
## the live source: ptrace, /proc, the target's memory
noinst_LIBRARIES += src/libcdl_collect.a
src_libcdl_collect_a_SOURCES = \
	src/collect/collect.c \
	src/collect/attach.c \
	src/collect/freeze.c \
	src/collect/modid.c \
	src/collect/perthread.c \
	src/collect/prio.c \
	src/collect/carry.c \
	src/collect/carryfile.c \
	src/collect/carryfile.h \
	src/collect/forcore.c \
	src/collect/perfmap.c \
	src/collect/pyframes.c \
	src/collect/live-int.h \
	src/collect/proc.c \
	src/collect/proc.h \
	src/collect/collect-int.h \
	src/arch/x86_64.c \
	include/collect.h
src_libcdl_collect_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/collect
