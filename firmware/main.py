# Boot: build the hardware from this board's wiring (board.py, deployed from boards/NAME/),
# count the boot (bench/health.py) before anything else can fail, then run the bench — or, after
# a boot loop, safe mode — until it asks for a reboot.
import board
from bench.health import Health
from bench.log import Log
from bench.loop import run


def _start(hw, health):
    if health.safe:
        from bench.safe import SafeBench

        return SafeBench(hw, hw.clock(), health)
    from bench.bench import Bench

    return Bench(hw, hw.clock(), health)


def main():
    hw = board.hardware()
    health = Health(hw.store, hw.reset_cause, Log(hw.write))
    try:
        bench = _start(hw, health)
    except Exception as e:  # a bench that cannot start says why on the console, then restarts
        hw.write("bench cannot start: %s: %s; restarting in 5 s" % (type(e).__name__, e))
        hw.sleep(5000)
        health.intend("soft", 5000)
        board.reset()
        return
    hw.bench = bench  # console lines read while asleep go to it
    run(bench, hw.clock, hw.sleep, hw.watchdog, hw.watchdog_slice_ms)
    board.reset()


main()
