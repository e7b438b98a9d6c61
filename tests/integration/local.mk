## tests/integration: see README
