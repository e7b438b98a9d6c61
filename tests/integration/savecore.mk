# SPDX-License-Identifier: GPL-2.0-or-later
## tests/integration/savecore
## the cores --save-core writes, read by gdb, eu-stack and readelf after
## the fixture is gone (savecore-lib.sh, frames-lib.sh)
SAVECORE_TESTS = \
	tests/integration/savecore-stacks.sh \
	tests/integration/savecore-locks.sh
TESTS += $(SAVECORE_TESTS)
EXTRA_DIST += $(SAVECORE_TESTS) tests/integration/savecore-lib.sh
tests/integration/savecore-stacks.log: $(STACKS_FIXTURES) src/cdeadlock$(EXEEXT)
tests/integration/savecore-locks.log: src/cdeadlock$(EXEEXT)
