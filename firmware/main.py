# Boot: build the hardware from this board's wiring (board.py, deployed from boards/NAME/),
# then run the bench until it asks for a reboot.
import board
from bench.bench import Bench
from bench.loop import run


def main():
    hw = board.hardware()
    bench = Bench(hw, hw.clock())
    hw.bench = bench  # console lines read while asleep go to it
    run(bench, hw.clock, hw.sleep, hw.watchdog, hw.watchdog_slice_ms)
    board.reset()


main()
