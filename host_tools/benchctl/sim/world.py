# The world around a simulated bench: plays a tape (a checked trace, in integer units) into
# fake chips wired as the board's board.json says, and gives the firmware its clock, sleep
# and watchdog. Sleep is where simulated time passes: records apply at their own times,
# a console line wakes the loop, a reset or the end of the tape unwinds it.
# Its parts own their state: the tape's cursor and the faults on (Schedule), the chips
# (WiredChips), the radio and the network (OnTheAir), the plant of a closed loop (ClosedLoop).
from bench.hardware import Hardware
from bench.provision import provisioned
from bench.queue import CAPACITY, block_bytes
from benchctl.sim.chips.flash import FakeBlock, FakeFlash
from benchctl.sim.chips.i2c import Fault
from benchctl.sim.chips.wired import WiredChips
from benchctl.sim.closed_loop import ClosedLoop, starts_it
from benchctl.sim.on_the_air import SECRET, OnTheAir  # noqa: F401 (SECRET: the tests')
from benchctl.sim.rng import Rng
from benchctl.sim.schedule import Schedule
from benchctl.sim.signals import End, Reset

_MASK = 0x3FFFFFFF
_KINDS = {"nack": Fault.NACK, "stuck": Fault.STUCK, "garbage": Fault.GARBAGE}


class FakeWatchdog:
    def __init__(self, world):
        self.world = world

    def feed(self):
        self.world.fed_at = self.world.now


class World:
    def __init__(self, board, tape, cfg, seed=1, queue_block=None, on_air=None, plant=None, on_hour=None):
        self.board = board
        self.cfg = cfg
        self.rng = Rng(seed)
        self.flash = FakeFlash()
        # The report queue's preallocated file: flash, kept across resets.
        self.queue_block = queue_block if queue_block is not None else FakeBlock(block_bytes(CAPACITY))
        self.schedule = Schedule(tape)
        self.chips = WiredChips(board, self.rng, cfg)  # what the firmware reads and drives
        self.air = OnTheAir(board, self.rng, self.flash, self.queue_block, on_air)
        self.closed_loop = None
        self.on_hour = on_hour  # the plant's hourly rows go here, when set (ClosedLoop.on_hour)
        self._plant_params = None  # a closed loop that starts at the first environment channel
        self.now = 0
        self.boot_at = 0
        self.fed_at = 0
        self.watchdog_ms = board.get("watchdog_ms", 30000)
        self.console = None  # the running bench's console input (None while it boots or is dark)
        self.early_console = []  # lines typed while it boots, read once it runs
        self.dark = False  # the low-voltage disconnect holds the bench off (wait_power)
        self._wake = False
        if plant is not None:
            params, now = plant
            if now:
                self._close_loop(params)
            else:
                self._plant_params = params

    def _close_loop(self, params):
        self.closed_loop = ClosedLoop(self.board, params, self.chips, self.flash, self.queue_block, self.cfg,
                                      self.console is None)
        self.closed_loop.on_hour = self.on_hour
        self.air.on_tx = self.closed_loop.transmitted

    @property
    def end(self):
        return self.schedule.end

    def powered(self):
        """False while a closed loop's low-voltage disconnect holds the bench off."""
        return self.closed_loop is None or self.closed_loop.plant.on

    # -- the firmware's view -------------------------------------------------------------------

    def hardware(self, bench_id, cause, write):
        hw = Hardware(self.board, bench_id, write, self.flash)
        hw.reset_cause = cause
        self.chips.wire(hw)
        self.air.wire(hw, bench_id)
        hw.queue_block = self.queue_block
        if self.flash.read("network.json") is not None:  # as `benchctl flash --secrets` writes it
            hw.network = provisioned(self.flash, hw.write)
        hw.seed = self.rng.below(0x7FFFFFFF) + 1
        hw.clock = self.clock
        hw.sleep = self.sleep
        hw.watchdog = FakeWatchdog(self)
        hw.watchdog_slice_ms = self.watchdog_ms // 2
        return hw

    def boot(self):
        """Power comes back: RAM (and the chips' registers) start from their reset values."""
        self.boot_at = self.now
        self.fed_at = self.now
        self.chips.power_on()
        self.air.power_on()

    def move_to(self, t):
        """Time jumps to `t` (ms), the tape left as it is: the virtual board's world is already
        there when its board boots; a test ticks a bench by hand."""
        self._at(t)

    def settle(self):
        """Apply what the tape holds for the present moment before the firmware boots, so its
        first sample sees the sensors as they are at t = 0 (or at a reset's instant)."""
        while True:
            t = self.schedule.peek()
            if t is None or t > self.now:
                if self.closed_loop is not None:
                    self.closed_loop.show(self.now, 0)
                return
            self._advance(t)  # time stays; faults due by now end
            self._take_record()

    def clock(self):
        return (self.now - self.boot_at) & _MASK

    def sleep(self, ms):
        target = self.now + (ms if ms > 0 else 0)
        self._wake = False
        if self.closed_loop is not None:
            wlan = self.air.wlan
            self.closed_loop.awake(self.now, self.console is not None, None if wlan is None else wlan.since is not None)
        while not self._wake:
            t = self.schedule.peek()
            if t is None or t > target:
                break
            self._advance(t)
            self._take_record()
        else:
            self._check_watchdog()
            return
        schedule = self.schedule
        if schedule.over and target > schedule.end:
            self._advance(schedule.end)
            raise End()
        self._advance(target)
        if self.now - self.fed_at > self.watchdog_ms:  # _check_watchdog, without its call
            raise Reset("watchdog")

    def wait_power(self):
        """The low-voltage disconnect cut the bench off: time passes with the bench dark
        until the battery recovers (or the trace ends: End)."""
        self.chips.loads_off()
        self.dark = True  # a reset in the trace now finds nothing running: it changes nothing
        try:
            while not self.closed_loop.plant.on:
                t = self.schedule.peek()
                if t is None:
                    raise End()
                self._advance(t)
                self._take_record()
        finally:
            self.dark = False
        self.closed_loop.dark_ended()

    def _check_watchdog(self):
        if self.now - self.fed_at > self.watchdog_ms:
            raise Reset("watchdog")

    def _at(self, t):
        self.now = t
        if self.chips.radar is not None:
            self.chips.radar.now_ms = t
        self.air.at(t)

    def _advance(self, t):
        if t > self.now:
            cut = self.closed_loop is not None and self.closed_loop.step(self.now, t)
            self._at(t)
            if cut and self.console is not None:
                raise Reset("brownout")
        end = self.schedule.next_end  # this runs at every sleep: no call while no fault is on
        if end is not None and end <= self.now:
            for role, still in self.schedule.ended(self.now):
                self._set_fault(role, still)

    # -- what the trace does -------------------------------------------------------------------

    def _take_record(self):
        due = self.schedule.record(self.now)
        if due is None:
            return  # a fault ending: _advance did it
        channels, events = due
        if channels:
            self.apply(channels)
        if events:
            # Whatever the keys' order in the record (docs/architecture.md, "A record's keys"):
            # every event is applied and a reset comes last; a console line typed at the
            # instant of a reset is read by the bench once it runs again.
            reset = None
            for kind, value in events:
                if kind == "reset":
                    reset = value
                elif kind == "console" and any(k == "reset" for k, _ in events):
                    self.early_console.append(value)
                else:
                    self._event(kind, value)
            if reset is not None:
                self._event("reset", reset)

    def apply(self, channels):
        """A record's channels, in tape units: to the plant's environment when the loop is
        closed (switching a pending one on), else to the chips that read them."""
        for name in channels:
            value = channels[name]
            if self.closed_loop is None and self._plant_params is not None and starts_it(name):
                self._close_loop(self._plant_params)
            if self.closed_loop is not None and self.closed_loop.environment(name, value, self.now):
                continue
            self.chips.set(name, value)

    def _event(self, kind, value):
        if kind == "console":
            if self.console is not None:
                self.console(value)
            elif not self.dark:  # typed while it boots: read once it runs (while dark, nobody hears)
                self.early_console.append(value)
            self._wake = True  # the UART interrupt wakes the loop
        elif kind == "fault":
            role, fault, for_ms = value
            self._set_fault(role, _KINDS[fault])
            self.schedule.fault(role, _KINDS[fault], self.now + for_ms)
        elif kind == "reset":
            cause, torn = value
            if self.dark:
                return  # the bench is off already: no write to tear, nothing to restart
            if torn:
                # The write in progress is the newest of the config files' and the queue's.
                if self.queue_block.writes and self.queue_block.stamp > self.flash.stamp:
                    self.queue_block.tear(self.rng.below(64))
                else:
                    self.flash.tear()
            raise Reset(cause)
        else:  # link, sf, downlink
            self.air.event(kind, value)

    def _set_fault(self, role, fault):
        if role == "radio":
            self.air.set_fault(fault)
        else:
            self.chips.set_fault(role, fault)
