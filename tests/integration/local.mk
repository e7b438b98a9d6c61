# SPDX-License-Identifier: GPL-2.0-or-later
include tests/integration/collect.mk
include tests/integration/stacks.mk
include tests/integration/locks.mk
include tests/integration/core.mk
include tests/integration/ns.mk
include tests/integration/savecore.mk
include tests/integration/guards.mk
include tests/integration/ident.mk
