## tests/unit/analysis
