# The boot, one sequence for a board (firmware/main.py) and the replay (benchctl/sim/runner.py):
# the boot is counted first (bench/health.py), before anything else can fail, then the bench
# starts — or, after a boot loop, safe mode.
from micropython import const

from bench.health import Health
from bench.log import Log

_RESTART_MS = const(5000)


def start(hw):
    """The bench (or safe mode) for this boot; None when it cannot start, after it has said why
    on the console, waited 5 s and noted the soft reset that its caller then makes."""
    health = Health(hw.store, hw.reset_cause, Log(hw.write))
    try:
        if health.safe:
            from bench.safe import SafeBench

            return SafeBench(hw, hw.clock(), health)
        from bench.bench import Bench

        return Bench(hw, hw.clock(), health)
    except Exception as e:  # a bench that cannot start says why on the console, then restarts
        hw.write("bench cannot start: %s: %s; restarting in %d s" % (type(e).__name__, e, _RESTART_MS // 1000))
        hw.sleep(_RESTART_MS)
        health.intend("soft", _RESTART_MS)
        return None
