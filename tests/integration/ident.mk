# SPDX-License-Identifier: GPL-2.0-or-later
## tests/integration/ident
## issue #10: names only from the mapped file (deleted, replaced,
## overwritten); permission errors and the /proc/PID/mem fallback in a
## container's restrictions (capabilities, seccomp)
IDENT_TESTS = tests/integration/ident-files.sh tests/integration/ident-perm.sh
TESTS += $(IDENT_TESTS)
EXTRA_DIST += $(IDENT_TESTS)
$(IDENT_TESTS:.sh=.log): tests/fixtures/lock-abba$(EXEEXT) src/cdeadlock$(EXEEXT) $(FIXID) \
	tests/fixtures/lock-abba-stripped
