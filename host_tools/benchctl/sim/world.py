# The world around a simulated bench: plays a tape (a checked trace, in integer units) into
# fake chips wired as the board's board.json says, and gives the firmware its clock, sleep
# and watchdog. Sleep is where simulated time passes: records apply at their own times,
# a console line wakes the loop, a reset or the end of the tape unwinds it.
from bench.hardware import Hardware
from bench.provision import provisioned
from bench.queue import CAPACITY, block_bytes
from benchctl.sim.chips.flash import FakeBlock, FakeFlash
from benchctl.sim.chips.i2c import Fault
from benchctl.sim.chips.modem import FakeRak3172
from benchctl.sim.chips.wired import WiredChips
from benchctl.sim.network.broker import FakeBroker, FakeWlan
from benchctl.sim.network.server import NetworkServer
from benchctl.sim.rng import Rng
from benchctl.sim.signals import End, Reset
from benchctl.sim.world_inputs import InputSide
from benchctl.sim.world_plant import PlantSide
from benchctl.sim.world_radio import RadioSide

_MASK = 0x3FFFFFFF
SECRET = "not-printed-0f3c"  # the Wi-Fi key of every simulated bench: no console line may show it


class FakeWatchdog:
    def __init__(self, world):
        self.world = world

    def feed(self):
        self.world.fed_at = self.world.now


class World(InputSide, PlantSide, RadioSide):
    def __init__(self, board, tape, cfg, seed=1, queue_block=None, on_air=None, plant=None):
        self.board = board
        self.tape = iter(tape)
        self.rng = Rng(seed)
        self.flash = FakeFlash()
        # The report queue's preallocated file: flash, kept across resets.
        self.queue_block = queue_block if queue_block is not None else FakeBlock(block_bytes(CAPACITY))
        self.now = 0
        self.end = 0
        self.boot_at = 0
        self.fed_at = 0
        self.console = None  # the running bench's console input (None while it boots or is dark)
        self.sent_seq = -1  # the queue record the network last heard (world_radio)
        self._next = None
        self._done = False
        self._fault_ends = []  # (end ms, role, kind, order of arrival), soonest end first
        self._fault_seq = 0
        self._wake = False
        self.early_console = []
        self.chips = WiredChips(board, self.rng, cfg)  # what the firmware reads and drives
        self.watchdog_ms = board.get("watchdog_ms", 30000)
        self.modem = None
        self.server = None
        # (t ms, fport, payload, airtime us, delivered) for uplinks.jsonl: the host finds the
        # busiest 24 h there, so the simulator keeps no list of its own in the heap it measures.
        self.on_air = on_air
        self.on_hour = None  # the plant's hourly row goes here instead of `hourly`, when set
        self.uplinks = 0
        self.uplink_bytes = 0
        self.airtime_us = 0
        self.joins = 0
        self.join_airtime_us = 0
        self.link_up = True
        self.bench_id = "?"
        self.wlan = self.broker = None
        self.plant = None
        self.dark = False  # the low-voltage disconnect holds the bench off (world_plant.wait_power)
        self.measured = set()  # channels the trace sets itself: they override the plant's
        self.report_ms = cfg["report_interval_s"] * 1000
        self.battery_ah = cfg["battery_ah"]
        self.slots = 0  # report intervals in which a status report was made (closed loop)
        self._slot = -1
        self._seq = 0
        self._plant_params = None  # (params, on from the start)
        if plant is not None:
            params, now = plant
            if now:
                self._closed_loop(board, params)
            else:
                self._plant_params = params  # on at the first environment channel
        if "modem" in board:
            self.modem = FakeRak3172(self.rng)
            self.modem.on_air = self._heard
            self.server = NetworkServer(self.modem, CAPACITY)
        elif board.get("wifi"):
            self.wlan = FakeWlan(self)
            self.broker = FakeBroker(self, self.rng)
            self.broker.on_publish = self._published
            self.server = NetworkServer(None, CAPACITY)

    # -- the firmware's view -------------------------------------------------------------------

    def hardware(self, bench_id, cause, write):
        hw = Hardware(self.board, bench_id, write, self.flash)
        hw.reset_cause = cause
        self.chips.wire(hw)
        hw.queue_block = self.queue_block
        hw.modem_uart = self.modem
        self.bench_id = bench_id
        if self.wlan is not None:
            self.wlan.since = None  # the station starts disconnected after a reset
            hw.wlan = self.wlan
            hw.open_socket = self.broker.open_socket
            hw.network = {"ssid": "smiltene-parks", "key": SECRET, "broker": "mqtt.bench.test", "port": 1883}
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
        if self.modem is not None:
            self.modem.power_on()

    def settle(self):
        """Apply what the tape holds for the present moment before the firmware boots, so its
        first sample sees the sensors as they are at t = 0 (or at a reset's instant)."""
        while True:
            t = self._peek_time()
            if t is None or t > self.now:
                if self.plant is not None:
                    self._show(self.now, 0)
                return
            self._advance(t)  # time stays; faults due by now end
            self._step_record()

    def clock(self):
        return (self.now - self.boot_at) & _MASK

    def sleep(self, ms):
        target = self.now + (ms if ms > 0 else 0)
        self._wake = False
        if self.plant is not None:
            self._awake()
        while not self._wake:
            t = self._peek_time()
            if t is None or t > target:
                break
            self._advance(t)
            self._step_record()
        else:
            self._check_watchdog()
            return
        if self._next is None and self._done and target > self.end:
            self._advance(self.end)
            raise End()
        self._advance(target)
        self._check_watchdog()

    def _check_watchdog(self):
        if self.now - self.fed_at > self.watchdog_ms:
            raise Reset("watchdog")

    def _advance(self, t):
        if t > self.now:
            if self.plant is not None and self._plant_step(t) and self.console is not None:
                self.now = t
                raise Reset("brownout")
            self.now = t
            if self.chips.radar is not None:
                self.chips.radar.now_ms = t
            if self.modem is not None:
                self.modem.now_ms = t
        while self._fault_ends:
            end, role = self._fault_ends[0][0], self._fault_ends[0][1]
            if end > self.now:
                break
            self._fault_ends.pop(0)
            still = Fault.NONE
            newest = -1
            for _, other, kind, seq in self._fault_ends:
                if other == role and seq > newest:
                    still, newest = kind, seq
            self._set_fault(role, still)

    # -- the tape ------------------------------------------------------------------------------

    def _peek_time(self):
        if self._next is None and not self._done:
            try:
                self._next = next(self.tape)
            except StopIteration:
                self._done = True
        if self._next is None:
            return self._fault_ends[0][0] if self._fault_ends else None
        t = self._next[0]
        if self._fault_ends and self._fault_ends[0][0] < t:
            return self._fault_ends[0][0]
        return t

    def _step_record(self):
        if self._next is None or self._next[0] > self.now:
            return  # a fault ending: _advance did it
        t, channels, events = self._next
        self._next = None
        self.end = t
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
