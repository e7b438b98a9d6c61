## tests/tui: see README
