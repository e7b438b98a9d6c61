# SPDX-License-Identifier: GPL-2.0-or-later
## tests/integration/guards
## Owners and held locks from guard objects, and Rust std locks (issue
## #11): the fixtures of tests/fixtures/guards.mk.
GUARD_TESTS = \
	tests/integration/locks-cxx-guards.sh \
	tests/integration/locks-glib-guard.sh \
	tests/integration/locks-rust.sh \
	tests/integration/locks-rust-nodebug.sh \
	tests/integration/stacks-rust.sh
TESTS += $(GUARD_TESTS)
EXTRA_DIST += $(GUARD_TESTS)
$(GUARD_TESTS:.sh=.log): $(GUARD_FIXTURES) src/cdeadlock$(EXEEXT)
