## tests/integration/stacks
