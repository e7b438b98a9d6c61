# SPDX-License-Identifier: GPL-2.0-or-later
## tests/integration/savecore
## the cores --save-core writes, read by gdb, eu-stack, readelf and
## cdeadlock --core after the fixture is gone (savecore-lib.sh,
## frames-lib.sh, core-lib.sh)
SAVECORE_TESTS = \
	tests/integration/savecore-stacks.sh \
	tests/integration/savecore-locks.sh \
	tests/integration/savecore-roundtrip.sh
TESTS += $(SAVECORE_TESTS)
EXTRA_DIST += $(SAVECORE_TESTS) tests/integration/savecore-lib.sh
tests/integration/savecore-stacks.log: $(STACKS_FIXTURES) src/cdeadlock$(EXEEXT)
tests/integration/savecore-locks.log: src/cdeadlock$(EXEEXT)
tests/integration/savecore-roundtrip.log: src/cdeadlock$(EXEEXT) tests/fixtures/lock-abba$(EXEEXT) \
	tests/fixtures/lock-ring$(EXEEXT) tests/fixtures/lock-rwlock$(EXEEXT) \
	tests/fixtures/lock-self$(EXEEXT) tests/fixtures/lock-join$(EXEEXT) \
	tests/fixtures/lock-condvar$(EXEEXT) tests/fixtures/lock-recursive$(EXEEXT)
