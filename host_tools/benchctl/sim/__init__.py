# The simulated bench: fake chips that answer at register or frame level, a world that plays a
# trace into them, and the runner. MicroPython-compatible, so replays run under both engines.
