# SPDX-License-Identifier: GPL-2.0-or-later
## tests/integration/core
## the core reader over real cores of a fixture (gcore, kernel core),
## compared with eu-readelf, eu-unstrip and gdb
CORE_TESTS = tests/integration/core-read.sh
TESTS += $(CORE_TESTS)
EXTRA_DIST += $(CORE_TESTS)
$(CORE_TESTS:.sh=.log): tests/fixtures/lock-abba-plain tests/unit/core-dump$(EXEEXT)
