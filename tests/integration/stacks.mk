# SPDX-License-Identifier: GPL-2.0-or-later
## tests/integration/stacks
## stacks.sh compares cdeadlock's frames with gdb's backtrace on every
## variant of the stack fixture
TESTS += tests/integration/stacks.sh
EXTRA_DIST += tests/integration/stacks.sh tests/integration/frames-lib.sh
tests/integration/stacks.log: $(STACKS_FIXTURES) src/cdeadlock$(EXEEXT)
