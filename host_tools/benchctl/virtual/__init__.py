"""A virtual bench board: the real MicroPython unix port behind a pseudo-terminal (issue 5)."""
