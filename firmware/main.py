# Boot: build the hardware from this board's wiring (board.py, deployed from boards/NAME/),
# then run the bench until it asks for a reboot.
import board
from bench.bench import Bench
from bench.loop import run


def main():
    hw = board.hardware()
    try:
        bench = Bench(hw, hw.clock())
    except Exception as e:  # a bench that cannot start says why on the console, then restarts
        hw.write("bench cannot start: %s: %s; restarting in 5 s" % (type(e).__name__, e))
        hw.sleep(5000)
        board.reset()
        return
    hw.bench = bench  # console lines read while asleep go to it
    run(bench, hw.clock, hw.sleep, hw.watchdog, hw.watchdog_slice_ms)
    board.reset()


main()
