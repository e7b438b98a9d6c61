## TUI tests
