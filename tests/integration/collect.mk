# SPDX-License-Identifier: GPL-2.0-or-later
## tests/integration/collect
## the capture: bad input, other tracers, the target always left running,
## signals handed back, a target that dies or spawns threads meanwhile
COLLECT_TESTS = \
	tests/integration/collect-badinput.sh \
	tests/integration/collect-traced.sh \
	tests/integration/collect-running.sh \
	tests/integration/collect-signals.sh \
	tests/integration/collect-sigdeliver.sh \
	tests/integration/collect-exit.sh \
	tests/integration/collect-churn.sh \
	tests/integration/collect-dstate.sh \
	tests/integration/collect-eperm.sh \
	tests/integration/collect-mainexit.sh \
	tests/integration/collect-concurrent.sh \
	tests/integration/collect-carry.sh \
	tests/integration/collect-wake.sh \
	tests/integration/collect-movement.sh \
	tests/integration/collect-priority.sh
TESTS += $(COLLECT_TESTS)
EXTRA_DIST += $(COLLECT_TESTS) tests/integration/collect-lib.sh
$(COLLECT_TESTS:.sh=.log): tests/fixtures/collect-target$(EXEEXT) src/cdeadlock$(EXEEXT)
tests/integration/collect-carry.log: tests/fixtures/lock-abba$(EXEEXT)
tests/integration/collect-wake.log: tests/fixtures/lock-wake$(EXEEXT)
tests/integration/collect-movement.log: tests/fixtures/lock-busy$(EXEEXT)
tests/integration/collect-priority.log: tests/fixtures/manythreads$(EXEEXT)
