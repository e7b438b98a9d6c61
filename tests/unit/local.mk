include tests/unit/model.mk
include tests/unit/analysis.mk
include tests/unit/render.mk
include tests/unit/core.mk
