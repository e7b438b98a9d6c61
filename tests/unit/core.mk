# SPDX-License-Identifier: GPL-2.0-or-later
## tests/unit/core: the core-file reader.  test-core builds synthetic cores
## in memory (and fuzzes them); core-dump prints what the reader finds in a
## real core, for tests/integration/core-read.sh.
check_PROGRAMS += tests/unit/core-dump
tests_unit_core_dump_SOURCES = tests/unit/core-dump.c
tests_unit_core_dump_LDADD = $(CORE_LIBS) src/libcdl_model.a
if HAVE_CHECK
check_PROGRAMS += tests/unit/test-core
TESTS += tests/unit/test-core
tests_unit_test_core_SOURCES = tests/unit/test-core.c \
	tests/unit/core-gen.c tests/unit/core-gen.h
tests_unit_test_core_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) \
	$(ZSTD_CFLAGS) $(LZMA_CFLAGS) $(LZ4_CFLAGS)
tests_unit_test_core_LDADD = $(CORE_LIBS) src/libcdl_model.a $(CHECK_LIBS)
endif
## test-corewrite: the --save-core writer, read back with the reader
if HAVE_CHECK
check_PROGRAMS += tests/unit/test-corewrite
TESTS += tests/unit/test-corewrite
tests_unit_test_corewrite_SOURCES = tests/unit/test-corewrite.c
tests_unit_test_corewrite_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_corewrite_LDADD = $(CORE_LIBS) src/libcdl_model.a $(CHECK_LIBS)
endif
## tests/unit/test-coresrc: the core source (core -> raw capture) and the
## whole --core pipeline (with the offline stage: libdw) over synthetic cores
if HAVE_CHECK
check_PROGRAMS += tests/unit/test-coresrc
TESTS += tests/unit/test-coresrc
tests_unit_test_coresrc_SOURCES = tests/unit/test-coresrc.c \
	tests/unit/core-gen.c tests/unit/core-gen.h
tests_unit_test_coresrc_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_coresrc_LDADD = src/libcdl_offline.a $(CORE_LIBS) $(UNIT_LIBS) $(CHECK_LIBS) \
	$(DW_LIBS) $(ELF_LIBS) -ldl -lstdc++
endif
