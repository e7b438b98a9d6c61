# SPDX-License-Identifier: GPL-2.0-or-later
## tests/integration/locks
## Lock verdicts on live fixtures (tests/fixtures/lock-*): one script per
## situation of issue #3, sharing the jq checks of locks-lib.sh.
LOCK_TESTS = \
	tests/integration/locks-abba.sh \
	tests/integration/locks-stripped.sh \
	tests/integration/locks-static.sh \
	tests/integration/locks-ring.sh \
	tests/integration/locks-self.sh \
	tests/integration/locks-orphan.sh \
	tests/integration/locks-rwlock.sh \
	tests/integration/locks-join.sh \
	tests/integration/locks-condvar.sh \
	tests/integration/locks-recursive.sh \
	tests/integration/locks-robust.sh \
	tests/integration/locks-pi.sh \
	tests/integration/locks-cxx-mutex.sh \
	tests/integration/locks-cxx-shared.sh \
	tests/integration/locks-pshared.sh \
	tests/integration/locks-stdio.sh \
	tests/integration/locks-timed.sh \
	tests/integration/locks-nounwind.sh \
	tests/integration/locks-nodebug.sh \
	tests/integration/locks-busy.sh \
	tests/integration/locks-glib.sh \
	tests/integration/locks-glib-objects.sh \
	tests/integration/locks-python.sh \
	tests/integration/runtime-jvm.sh \
	tests/integration/locks-musl.sh \
	tests/integration/locks-musl-objects.sh \
	tests/integration/locks-musl-stacks.sh
TESTS += $(LOCK_TESTS)
EXTRA_DIST += $(LOCK_TESTS) tests/integration/locks-lib.sh tests/integration/locks-musl-lib.sh \
	tests/fixtures/LockJava.java tests/fixtures/lock-python.py
tests/integration/locks-stripped.log: tests/fixtures/lock-abba-stripped
tests/integration/locks-static.log: tests/fixtures/lock-abba-static
## musl fixtures (tests/fixtures/musl.mk): built when configure found musl-gcc
tests/integration/locks-musl.log tests/integration/locks-musl-objects.log \
tests/integration/locks-musl-stacks.log: $(MUSL_BUILT)
