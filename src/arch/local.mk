# SPDX-License-Identifier: GPL-2.0-or-later
## the architecture's plain facts (syscall table, red zone, DWARF
## numbering): pure, linked by every layer that needs them
noinst_LIBRARIES += src/libcdl_arch.a
src_libcdl_arch_a_SOURCES = \
	src/arch/x86_64-tab.c \
	include/arch.h
