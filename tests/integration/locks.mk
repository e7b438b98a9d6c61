## tests/integration/locks
