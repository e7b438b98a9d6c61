# SPDX-License-Identifier: GPL-2.0-or-later
## tests/unit/analysis: the wait-for graph and verdicts (test-analysis) and
## the glibc and musl classifiers over synthetic memory images
## (test-classify, test-classify-musl)
if HAVE_CHECK
check_PROGRAMS += tests/unit/test-analysis tests/unit/test-classify \
	tests/unit/test-classify-musl
TESTS += tests/unit/test-analysis tests/unit/test-classify tests/unit/test-classify-musl
tests_unit_test_analysis_SOURCES = tests/unit/test-analysis.c
tests_unit_test_analysis_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_analysis_LDADD = $(UNIT_LIBS) $(CHECK_LIBS)
tests_unit_test_classify_SOURCES = tests/unit/test-classify.c tests/unit/classify-world.h
tests_unit_test_classify_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_classify_LDADD = $(UNIT_LIBS) $(CHECK_LIBS)
tests_unit_test_classify_musl_SOURCES = tests/unit/test-classify-musl.c tests/unit/classify-world.h
tests_unit_test_classify_musl_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_classify_musl_LDADD = $(UNIT_LIBS) $(CHECK_LIBS)
endif
## bench/analyze-bench: cdl_analyze on a synthetic 10,000-thread snapshot
## (built by make check so it does not rot; run bench/analyze-bench.sh)
check_PROGRAMS += bench/analyze-bench
bench_analyze_bench_SOURCES = bench/analyze-bench.c
bench_analyze_bench_LDADD = $(UNIT_LIBS)

## tests/unit/test-offline: the offline stage over a raw capture built by
## hand.  Links libcdl_offline.a (libdw) but not libcdl_collect.a: the
## pipeline after the thaw needs no ptrace and no /proc.
if HAVE_CHECK
check_PROGRAMS += tests/unit/test-offline
TESTS += tests/unit/test-offline
tests_unit_test_offline_SOURCES = tests/unit/test-offline.c
tests_unit_test_offline_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_offline_LDADD = src/libcdl_offline.a $(UNIT_LIBS) $(CHECK_LIBS) \
	$(DW_LIBS) $(ELF_LIBS) -ldl -lstdc++
endif
