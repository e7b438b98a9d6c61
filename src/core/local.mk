# SPDX-License-Identifier: GPL-2.0-or-later
## src/core: the ELF core-file reader and writer (pure: no ptrace, no /proc)
noinst_LIBRARIES += src/libcdl_core.a
src_libcdl_core_a_SOURCES = \
	src/core/coreread.c \
	src/core/coremods.c \
	src/core/decompress.c \
	src/core/core-x86_64.c \
	src/core/corewrite.c \
	src/core/core-int.h \
	include/core.h \
	include/corewrite.h
src_libcdl_core_a_CFLAGS = $(AM_CFLAGS) $(ZSTD_CFLAGS) $(LZMA_CFLAGS) $(LZ4_CFLAGS)
## what a program linking src/libcdl_core.a adds
CORE_LIBS = src/libcdl_core.a $(ZSTD_LIBS) $(LZMA_LIBS) $(LZ4_LIBS)
