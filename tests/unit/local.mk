## tests/unit: see README
