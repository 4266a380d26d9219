# The virtual board (`benchctl virtual`): MicroPython's unix port on a pseudo-terminal whose
# chips are the replay's fakes (benchctl.sim, mounted at /sim) played from a trace (/vhw) at
# `speed` times real time, so that its console is a bench's console. Flash and config.json
# are real files in the board's own folder.
import _thread
import gc
import json
import os
import time

from bench.bench import QUEUE_CAPACITY
from bench.files import FileBlock, FileStore
from bench.provision import bench_id, provisioned
from bench.queue import block_bytes
from benchctl.sim.signals import End, Reset
from benchctl.sim.world import World
from drivers.usb_console import UsbConsole

_SLICE_MS = 20  # real time between looks at the console while the bench sleeps
_VHW = "/vhw/"


def _read_json(name, default):
    try:
        with open(_VHW + name) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


class _Surroundings(World):
    """The world runs on while the board is off: at boot it is where the wall clock says, with
    the trace's readings up to then applied and its events before then left behind."""

    def __init__(self, board, setup, tape):
        World.__init__(self, board, tape, setup["values"], setup.get("seed", 1), None, None, setup.get("plant"))
        self.started_ns = setup["started_ns"]
        self.speed = setup.get("speed", 1)
        self.resumed_at = self.wall()
        self.move_to(self.resumed_at)
        self.trace_over = False

    def wall(self):
        """Trace time by the wall clock, in ms."""
        return (time.time_ns() - self.started_ns) // 1000000 * self.speed

    def _event(self, kind, value):
        if self.now <= self.resumed_at and kind in ("reset", "console", "downlink"):
            return  # it happened while the board was off (or is the reset that turned it off)
        World._event(self, kind, value)

    def sleep(self, ms):
        target = self.now + ms
        try:
            World.sleep(self, ms)
        except End:
            if not self.trace_over:
                self.trace_over = True
                print("virtual: the trace ended at %d s; the sensors keep their last values" % (self.end // 1000))
            self._advance(target)


class _Watchdog:
    """The board's watchdog counts wall-clock time, as a board's does, in the REPL too: unfed
    for `watchdog_ms`, it resets the board (mpremote's Ctrl-C stops the loop that feeds it, so a
    long flash resets the board unless main.py's keep_alive holds it). Feeding it also feeds the
    simulated world's, which counts in trace time."""

    def __init__(self, inner, period_ms):
        self.inner = inner
        self.period_ms = period_ms
        self.fed = None  # counting from the first feed: the unix port's boot is no board's
        _thread.start_new_thread(self._watch, ())

    def feed(self):
        self.fed = time.ticks_ms()
        self.inner.feed()

    def _watch(self):
        while True:
            time.sleep_ms(50)
            if self.fed is not None and time.ticks_diff(time.ticks_ms(), self.fed) > self.period_ms:
                with open(_VHW + "watchdog.log", "a") as f:  # for whoever watches the board (a test)
                    f.write("not fed for %d ms\n" % self.period_ms)
                _reset("watchdog")


def _tape():
    with open(_VHW + "tape.jsonl") as f:
        for line in f:
            yield json.loads(line)


def _reset(cause):
    with open(_VHW + "cause", "w") as f:
        f.write(cause)
    # The interpreter stops at once, as a board does when its power goes; the virtual board
    # starts a new one, which boots main.py again.
    os.system("kill -9 $PPID")
    while True:
        time.sleep_ms(1000)


def hardware():
    with open("board.json") as f:
        board = json.load(f)
    setup = _read_json("setup.json", None)
    if setup is None:
        raise OSError("no /vhw/setup.json: start this board with `benchctl virtual`")
    world = _Surroundings(board, setup, _tape())
    store = FileStore()
    try:
        with open(_VHW + "cause") as f:
            cause = f.read().strip()
        os.remove(_VHW + "cause")
    except OSError:
        cause = "soft"  # the interpreter ended at the REPL (Ctrl-D) or was started afresh
    world.boot()
    console = UsbConsole()
    hw = world.hardware("unset", cause, console.write)
    hw.bench_id = world.bench_id = bench_id(store, hw.write)
    hw.store = store
    hw.free_heap = gc.mem_free
    if store.read("network.json") is not None:  # the keys `benchctl flash --secrets` provisioned
        hw.network = provisioned(store, hw.write)
    try:
        hw.queue_block = FileBlock("queue.bin", block_bytes(QUEUE_CAPACITY))
    except OSError:
        hw.queue_block = None
    world.settle()

    def sleep(ms):
        # Paced: the trace's time follows the wall clock (times `speed`); a typed line ends the
        # wait at once, as the console's UART interrupt does on a board.
        end = world.now + ms
        try:
            while world.now < end:
                left = (end - world.wall()) // world.speed
                time.sleep_ms(_SLICE_MS if left > _SLICE_MS else left if left > 0 else 0)
                world.bench = hw.bench
                before = world.now
                step = min(end, max(world.wall(), before + 1)) - before
                world.sleep(step)
                lines = console.lines()
                for line in lines:
                    if hw.bench is not None:
                        hw.bench.console_input(line)
                if lines or world.now < before + step:
                    return  # a typed line, or one in the trace, wakes the loop
        except Reset as r:
            _reset(r.args[0])

    hw.sleep = sleep
    hw.watchdog = _Watchdog(hw.watchdog, board["watchdog_ms"])
    return hw


def reset():
    _reset("soft")


def keep_alive(watchdog):
    # While benchctl flash copies (main.py's keep_alive): a thread, the unix port's timer.
    def feed():
        while True:
            watchdog.feed()
            time.sleep_ms(100)
    _thread.start_new_thread(feed, ())
