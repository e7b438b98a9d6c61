# SPDX-License-Identifier: GPL-2.0-or-later
## src/core: the ELF core-file reader and writer, the core source (core ->
## raw capture), and finding a module's file under a root (pure: no ptrace,
## no /proc; uses model and arch)
noinst_LIBRARIES += src/libcdl_core.a
src_libcdl_core_a_SOURCES = \
	src/core/coreread.c \
	src/core/coremods.c \
	src/core/decompress.c \
	src/core/core-x86_64.c \
	src/core/corewrite.c \
	src/core/core-int.h \
	src/core/modfile.c \
	src/core/coresource.c \
	include/core.h include/modfile.h include/coresource.h \
	include/corewrite.h
src_libcdl_core_a_CFLAGS = $(AM_CFLAGS) $(ZSTD_CFLAGS) $(LZMA_CFLAGS) $(LZ4_CFLAGS)
## what a program linking src/libcdl_core.a adds
CORE_LIBS = src/libcdl_core.a src/libcdl_libc.a src/libcdl_model.a src/libcdl_arch.a $(ZSTD_LIBS) $(LZMA_LIBS) $(LZ4_LIBS)
