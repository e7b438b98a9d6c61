# SPDX-License-Identifier: GPL-2.0-or-later
include tests/unit/model.mk
include tests/unit/analysis.mk
include tests/unit/render.mk
include tests/unit/core.mk
include tests/unit/held.mk
