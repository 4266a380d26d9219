# Safe mode: after health.SAFE_AFTER boots in a row that never ran a minute, the bench starts
# with only its console, its radio and its configuration. No sensor is read, every port, the
# pad and the radar stay off; it says so on the console and over the radio, and after a while
# (bench/health.py: a minute, doubling each time it comes back) tries a normal boot again.
# Nothing is erased: configuration, keys and queued reports stay as they are.
from bench.config import Config
from bench.console import Shell
from bench.files import RamBlock
from bench.life import Life
from bench.log import Log, level_named
from bench.payload import FPORT_EVENT, encode_boot, encode_safe_mode
from bench.queue import CAPACITY, ReportQueue, block_bytes
from bench.radio import Radio
from bench.units import clock
from bench.version import VERSION


class SafeShell(Shell):
    """The console in safe mode: status, config, log, reboot, help."""

    def do_status(self, args):
        b = self.bench
        self.out("bench %s fw %s board %s up %s boot %d" % (b.bench_id, b.version, b.board_name, clock(b.uptime), b.boots))
        self.out("safe mode: %d boots in a row did not run a minute; a normal boot in %d s" % (
            b.failed_boots, max(0, b.stay_ms - b.uptime) // 1000))
        self.out("resets " + b.health.resets_text())
        q = b.queue
        self.out("reports 0 made; %d frame(s) waiting on flash, %d dropped, %d lost" % (len(q), q.dropped, q.lost))
        self.out("radio " + b.radio.status(b.uptime))
        self.out("downlinks %d applied, %d rejected" % (b.commands_applied, b.commands_rejected))

    def _not_in_safe_mode(self, args):
        raise ValueError("safe mode: only status, config, log and reboot (sensors and ports are off)")

    do_ports = do_sessions = do_port = do_trace = _not_in_safe_mode


class SafeBench(Life):
    def __init__(self, hw, now_ticks, health):
        self.hw = hw
        self.write = hw.write
        self.store = hw.store
        self.board_name = hw.board.get("name", "?")
        self.version = VERSION
        self.bench_id = hw.bench_id
        self.boots = health.boots
        Life.__init__(self, now_ticks, Log(hw.write), health, SafeShell)
        self.failed_boots = health.unproven - 1
        self.stay_ms = health.safe_stay_ms()
        self.write("bench %s firmware %s board %s boot %d reset %s safe mode" % (
            self.bench_id, VERSION, self.board_name, self.boots, health.cause))
        if hw.radar_power_pin is not None:
            hw.radar_power_pin.value(0)  # 0.47 W the bench need not spend now
        self.cfg = Config()
        self.cfg.load(self.store, self.log)
        self.log.level = level_named(self.cfg.v["log_level"])
        block = hw.queue_block if hw.queue_block is not None else RamBlock(block_bytes(CAPACITY))
        self.queue = ReportQueue(block, CAPACITY)
        self.queue.put(FPORT_EVENT, encode_boot(health.cause, self.boots))
        self.queue.put(FPORT_EVENT, encode_safe_mode(self.failed_boots, True))
        self.ports = None
        self.tracing = False
        self.seq = 0  # no status reports in safe mode
        self.radio = Radio(hw, self.queue, self.log, self.command)
        self.radio_due = 0
        self.log.warn("health", "safe mode: %d boots in a row did not run a minute (resets: %s); console, radio "
                      "and configuration only; a normal boot in %d s" % (
                          self.failed_boots, health.resets_text(), self.stay_ms // 1000))

    def config_changed(self, key):
        if key == "log_level":
            self.log.level = level_named(self.cfg.v[key])

    def request_reboot(self):
        self.health.intend("soft", self.uptime)
        self.reboot_requested = True

    def overran(self):
        pass  # safe mode keeps no metrics: it lasts minutes

    def tick(self, now_ticks):
        self._begin_tick(now_ticks)
        if self.uptime >= self.stay_ms and not self.reboot_requested:
            self.queue.put(FPORT_EVENT, encode_safe_mode(self.failed_boots, False))
            self.log.info("health", "safe mode ran %d s: trying a normal boot" % (self.uptime // 1000))
            self.request_reboot()
        if self.uptime >= self.radio_due:
            self.radio_due = self.uptime + self.radio.tick(self.uptime)
        self.crashes_in_row = 0
        wait = self.radio_due - self.uptime
        return wait if wait < 10000 else 10000
