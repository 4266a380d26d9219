# Boot: build the hardware from this board's wiring (board.py, deployed from boards/NAME/), then
# start the bench (bench/boot.py: the boot counted first, safe mode after a boot loop) and run
# its loop until it asks for a reboot.
import board
from bench.boot import start
from bench.loop import run


def main():
    hw = board.hardware()
    bench = start(hw)
    if bench is None:  # it said why and waited: a soft reset tries again
        board.reset()
        return
    hw.bench = bench  # console lines read while asleep go to it
    run(bench, hw.clock, hw.sleep, hw.watchdog, hw.watchdog_slice_ms)
    board.reset()


main()
