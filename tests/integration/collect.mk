## tests/integration/collect
