## tests/unit/analysis: the wait-for graph and verdicts (test-analysis) and
## the glibc classifier over synthetic memory images (test-classify)
if HAVE_CHECK
check_PROGRAMS += tests/unit/test-analysis tests/unit/test-classify
TESTS += tests/unit/test-analysis tests/unit/test-classify
tests_unit_test_analysis_SOURCES = tests/unit/test-analysis.c
tests_unit_test_analysis_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_analysis_LDADD = $(UNIT_LIBS) $(CHECK_LIBS)
tests_unit_test_classify_SOURCES = tests/unit/test-classify.c
tests_unit_test_classify_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_classify_LDADD = $(UNIT_LIBS) $(CHECK_LIBS)
endif
