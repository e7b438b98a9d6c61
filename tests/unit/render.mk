## tests/unit/render
