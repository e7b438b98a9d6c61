# SPDX-License-Identifier: GPL-2.0-or-later
## tests/integration/core
## the core reader over real cores of a fixture (gcore, kernel core),
## compared with eu-readelf, eu-unstrip and gdb; `cdeadlock --core` giving
## the live verdicts (core-locks) and finding or refusing files, bad cores
## (core-files)
CORE_TESTS = tests/integration/core-read.sh tests/integration/core-locks.sh \
	tests/integration/core-files.sh
TESTS += $(CORE_TESTS)
EXTRA_DIST += $(CORE_TESTS) tests/integration/core-lib.sh
$(CORE_TESTS:.sh=.log): tests/fixtures/lock-abba-plain tests/unit/core-dump$(EXEEXT)
tests/integration/core-locks.log: tests/fixtures/lock-abba$(EXEEXT) tests/fixtures/lock-ring$(EXEEXT) \
	tests/fixtures/lock-rwlock$(EXEEXT) tests/fixtures/lock-self$(EXEEXT) \
	tests/fixtures/lock-join$(EXEEXT) tests/fixtures/lock-condvar$(EXEEXT) \
	tests/fixtures/lock-recursive$(EXEEXT)
