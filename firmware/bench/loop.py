# The main loop: tick the bench, feed the watchdog only while the loop is healthy, sleep until
# the next sample. Clock, sleep and watchdog come from the board's wiring (or the simulator).
from micropython import const

from bench.ticks import ticks_diff

_OVERRUN_MS = const(1000)  # a tick this long blocked on something (a bus, the modem): counted


def run(bench, clock, sleep, watchdog, slice_ms):
    """Runs until the bench asks for a reboot; `slice_ms` keeps each sleep inside the watchdog
    period, so a long sample interval never starves it."""
    while True:
        start = clock()
        try:
            wait = bench.tick(start)
        except Exception as e:
            bench.crashed(e)
            wait = 1000
        if ticks_diff(clock(), start) > _OVERRUN_MS:
            bench.overran()
        if bench.healthy():
            watchdog.feed()
        if bench.reboot_requested:
            return
        sleep(wait if wait < slice_ms else slice_ms)
