# Boot: build the hardware from this board's wiring (board.py, deployed from boards/NAME/), then
# start the bench (bench/boot.py: the boot counted first, safe mode after a boot loop) and run
# its loop until it asks for a reboot.
import board
from bench.boot import start
from bench.loop import run

hw = None  # at the top level: once Ctrl-C has stopped the loop, the REPL still finds it


def keep_alive():
    """The flashing hook (docs/technician.md, "Flashing a running bench"): mpremote's Ctrl-C
    stops the loop, but the watchdog keeps counting (8 s on an RP2040), and a copy takes longer.
    `benchctl flash` calls this first; the board then feeds the watchdog from a timer until its
    next reset. Returns whether there was a watchdog to keep fed."""
    if hw is None or hw.watchdog is None:
        return False
    board.keep_alive(hw.watchdog)
    return True


def main():
    global hw
    hw = board.hardware()
    bench = start(hw)
    if bench is None:  # it said why and waited: a soft reset tries again
        board.reset()
        return
    hw.bench = bench  # console lines read while asleep go to it
    run(bench, hw.clock, hw.sleep, hw.watchdog, hw.watchdog_slice_ms)
    board.reset()


main()
