# The simulated bench: the world that plays a trace (world*.py, the plant beside it), the fake
# chips it wires to a board (chips/), the far end of its radio (network/), the runner that boots
# the firmware in it, and the board tape that lets the firmware run without it (board_*.py).
# MicroPython-compatible, so replays run under both engines.
