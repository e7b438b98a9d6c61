# SPDX-License-Identifier: GPL-2.0-or-later
## tests/integration/ns
## issue #10: targets in their own PID (and mount) namespaces, seen from
## the host and compared with a run inside
NS_TESTS = tests/integration/ns-pid.sh tests/integration/ns-root.sh
TESTS += $(NS_TESTS)
EXTRA_DIST += $(NS_TESTS) tests/integration/ns-lib.sh
$(NS_TESTS:.sh=.log): tests/fixtures/lock-abba$(EXEEXT) src/cdeadlock$(EXEEXT)
tests/integration/ns-root.log: tests/fixtures/lock-abba-static tests/fixtures/lock-abba-split \
	tests/fixtures/lock-abba-split.debug
