# The serial console's command shell: what a field engineer types on USB. Every line gets an
# answer; unknown or malformed input gets one line starting "error:", never a traceback.
from micropython import const

from bench import config as schema
from bench.capacity import ANCHORS
from bench.log import level_name, level_named
from bench.ports import MODES
from bench.units import clock, fixed

HELP = (
    "help                   this list",
    "status                 battery, solar, policy, sensors, reports",
    "ports                  each charging port: mode, switch, current, energy, faults",
    "sessions               sittings, the presence sensors, charging",
    "config get [KEY]       configuration values with their ranges",
    "config set KEY VALUE   change a value (checked, saved to flash)",
    "port N on|off|auto     force a port on or off, or leave it to the energy policy",
    "log debug|info|warn|error   console log level",
    "trace on|off           print every sample as a TRACE line (trace-v1)",
    "reboot                 save state and restart",
)


# Keys the drivers and the battery take when they are built: a change waits for a reboot.
_AT_BOOT = ("battery_ah", "battery_shunt_uohm", "battery_max_a", "solar_shunt_uohm", "solar_max_a",
            "port_shunt_uohm", "port_count", "temp_batt_rom", "temp_air_rom")


LINE_MAX = const(120)  # the USB console's line (drivers/usb_console.py reads one more, to tell)
_VERBS = ("help", "status", "ports", "sessions", "config", "port", "log", "trace", "reboot")


def split(line):
    """The words of a console line, split at ASCII spaces and tabs only (CPython's str.split
    also splits at Unicode spaces, MicroPython's does not: the console reads alike on both)."""
    return [w for w in line.replace("\t", " ").split(" ") if w]


def lower(word):
    """ASCII letters to lower case, nothing else (CPython's lower() maps other scripts too)."""
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in word)


def shown(word):
    """A typed word as an error message may quote it: printable ASCII, at most 32 characters."""
    return "".join(c if " " <= c <= "~" else "?" for c in word[:32])


def _amps(ma):
    return fixed(ma, 3)


class Shell:
    def __init__(self, bench):
        self.bench = bench
        self.out = bench.write

    VERBS = _VERBS

    def handle(self, line):
        if len(line) > LINE_MAX:
            self.out("error: a line longer than %d characters is not a command: ignored" % LINE_MAX)
            return
        words = split(line)
        if not words:
            return
        verb = lower(words[0])
        # Looked up in a fixed list, never by getattr on what was typed: each new name would
        # become a qstr for good (line noise on the cable, a slow leak) and one of 250+ bytes
        # raises on MicroPython.
        if verb not in self.VERBS:
            self.out("error: unknown command '%s' (try 'help')" % shown(words[0]))
            return
        handler = getattr(self, "do_" + verb)
        try:
            handler(words[1:])
        except ValueError as e:
            self.out("error: %s" % e)

    def do_help(self, args):
        for line in HELP:
            self.out(line)

    def do_status(self, args):
        from bench.sensors import MA, MV  # loaded already in a running bench; safe mode has none

        b = self.bench
        self.out("bench %s fw %s board %s up %s boot %d" % (b.bench_id, b.version, b.board_name, clock(b.uptime), b.boots))
        s = b.sensors.sample
        if s.battery is not None:
            temp = "" if s.batt_mc is None else " %s C" % fixed(s.batt_mc // 100, 1)
            self.out("battery %s V %s A charge %d%% usable %d%%%s%s" % (
                fixed(s.battery[MV], 3), _amps(s.battery[MA]), b.battery.soc_permille() // 10,
                b.usable // 10, temp, " (estimated)" if b.battery.estimated else ""))
        else:
            self.out("battery not measured")
        cap = b.battery.capacity
        self.out("capacity %s Ah (battery_ah %d; %s, %d%% sure, %d measurement(s)); last anchor %s" % (
            fixed(cap.mas // 360000, 1), b.cfg.v["battery_ah"], "learnt" if cap.measured else "as configured",
            cap.sure_pct(), cap.measured, ANCHORS[cap.anchor]))
        if s.solar is not None:
            self.out("solar %s V %s A" % (fixed(s.solar[MV], 3), _amps(s.solar[MA])))
        self.out("policy %s; report every %d s, next in %d s" % (
            b.policy.name(), b.report_interval_s(), max(0, b.next_report - b.uptime) // 1000))
        failing = b.sensors.failing()
        self.out("sensors " + ("ok" if not failing else "failing: " + " ".join(failing)))
        q = b.queue
        self.out("reports %d made; %d frame(s) waiting on flash, %d dropped, %d lost" % (b.seq, len(q), q.dropped, q.lost))
        self.out("radio " + b.radio.status(b.uptime))
        self.out("downlinks %d applied, %d rejected" % (b.commands_applied, b.commands_rejected))

    def do_ports(self, args):
        b = self.bench
        if not b.ports.ports:
            self.out("no charging ports")
        for p in b.ports.ports:
            state = "on " if p.switch.is_on else "off"
            reading = "%s A %s V" % (_amps(p.ma), fixed(p.mv, 3)) if p.readable else "not measured"
            line = "port %d %-4s %s %s, %s Wh, %d sessions" % (
                p.number, p.mode, state, reading, fixed(p.energy.mwh, 3), p.sessions)
            if p.session_start is not None:
                line += ", charging for %d s" % ((b.uptime - p.session_start) // 1000)
            if p.fault is not None:
                line += ", fault: %s, retry in %d s" % (p.fault, max(0, p.retry_at - b.uptime) // 1000)
            self.out(line)

    def do_sessions(self, args):
        b = self.bench
        sit = b.sitting
        self.out("sitting: %d sessions, %d s occupied, %d too short, %d stuck%s" % (
            sit.count, sit.occupied_ms // 1000, sit.too_short, sit.stuck,
            ", occupied now" if sit.occupied() else ""))
        self.out("  durations <5min %d, 5-15min %d, 15-60min %d, >1h %d" % tuple(sit.buckets))
        self.out(b.seat.describe(b.uptime, b.cfg.v["occupancy"]))
        for start, seconds in sit.recent:
            self.out("  sat at %s for %d s" % (clock(start * 1000), seconds))
        total = sum([p.sessions for p in b.ports.ports])
        self.out("charging: %d sessions" % total)
        for port, start, seconds, mwh in b.ports.recent:
            self.out("  port %d at %s for %d s, %s Wh" % (port, clock(start * 1000), seconds, fixed(mwh, 3)))

    def do_config(self, args):
        b = self.bench
        if not args or args[0] not in ("get", "set"):
            raise ValueError("usage: config get [KEY] | config set KEY VALUE")
        if args[0] == "get":
            if len(args) > 2:
                raise ValueError("usage: config get [KEY]")
            keys = args[1:] or schema.names()
            for key in keys:
                if key not in b.cfg.v:
                    raise ValueError("unknown key %s (try 'config get')" % shown(key))
                self.out("%s = %s  (%s)" % (key, b.cfg.v[key], schema.describe(key)))
            return
        if len(args) != 3:
            raise ValueError("usage: config set KEY VALUE")
        key, text = args[1], args[2]
        value = schema.parse(key, text)
        problem = b.cfg.problem({key: value})
        if problem is not None:
            raise ValueError(problem)
        b.cfg.v[key] = value
        b.cfg.save(b.store)
        b.config_changed(key)
        self.out("config %s = %s (saved%s)" % (key, value, "; applies after 'reboot'" if key in _AT_BOOT else ""))

    def do_port(self, args):
        b = self.bench
        count = len(b.ports.ports)
        if len(args) != 2 or args[1] not in MODES:
            raise ValueError("usage: port N on|off|auto")
        n = args[0]
        if not 1 <= len(n) <= 2 or any(c < "0" or c > "9" for c in n) or not 1 <= int(n) <= count:
            raise ValueError("port must be 1..%d, got %s" % (count, shown(n)[:8]))
        b.ports.set_mode(int(args[0]), args[1], b.uptime)
        self.out("port %s %s" % (args[0], args[1]))

    def do_log(self, args):
        level = level_named(args[0]) if len(args) == 1 else None
        if level is None:
            raise ValueError("usage: log debug|info|warn|error")
        self.bench.log.level = level
        self.out("log level %s" % level_name(level))

    def do_trace(self, args):
        if len(args) != 1 or args[0] not in ("on", "off"):
            raise ValueError("usage: trace on|off")
        self.bench.tracing = args[0] == "on"
        self.out("trace %s" % args[0])

    def do_reboot(self, args):
        if args:
            raise ValueError("usage: reboot")
        self.out("rebooting")
        self.bench.request_reboot()
