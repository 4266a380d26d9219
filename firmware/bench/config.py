# The bench's configuration: a schema with units and ranges, read from config.json on flash.
# A bad value is named on the console and its default kept; a bad file never stops the bench.
import json

_FILE = "config.json"

# key, default, lowest, highest, unit, meaning. Integers only: the boards' floats are single.
_INTS = (
    ("sample_interval_s", 10, 1, 600, "s", "time between sensor samples"),
    ("report_interval_s", 900, 60, 86400, "s", "time between telemetry reports"),
    ("heartbeat_s", 86400, 3600, 604800, "s", "report interval in survival mode"),
    ("battery_ah", 100, 1, 1000, "Ah", "nominal battery capacity"),
    ("battery_shunt_uohm", 1000, 50, 1000000, "uohm", "battery current shunt"),
    ("battery_max_a", 20, 1, 200, "A", "largest battery current to measure"),
    ("solar_shunt_uohm", 2000, 50, 1000000, "uohm", "solar current shunt"),
    ("solar_max_a", 10, 1, 100, "A", "largest solar current to measure"),
    # The INA3221 reads at most 163.8 mV across a shunt: 50 mOhm measures up to 3.27 A.
    ("port_shunt_uohm", 50000, 1000, 1000000, "uohm", "charging port shunts (INA3221)"),
    ("port_count", 3, 0, 8, "", "charging ports in use"),
    ("port_session_ma", 50, 1, 3000, "mA", "current that counts as a device charging"),
    ("port_start_s", 10, 1, 600, "s", "time above port_session_ma that starts a session"),
    ("port_end_s", 30, 1, 3600, "s", "time below port_session_ma that ends a session"),
    ("port_max_ma", 2400, 100, 5000, "mA", "over-current limit of a port"),
    ("port_leak_ma", 20, 1, 500, "mA", "current on a switched-off port that is a fault"),
    ("port_retry_s", 300, 10, 86400, "s", "first retry after a port fault (doubles)"),
    ("port_retry_max_s", 3600, 10, 86400, "s", "longest wait between port retries"),
    ("radar_max_cm", 150, 30, 600, "cm", "radar targets further away are passers-by"),
    ("radar_hold_s", 600, 0, 86400, "s", "radar kept powered after someone was last seen; 0 = always on"),
    ("vacant_after_s", 90, 5, 3600, "s", "no presence this long ends a sitting"),
    ("min_session_s", 30, 0, 3600, "s", "shorter sittings are not counted"),
    ("max_session_s", 14400, 600, 86400, "s", "longer sittings are closed as a stuck sensor"),
    ("shed_qi_pct", 60, 0, 100, "%", "usable charge below which the wireless pad is off"),
    ("shed_usb_pct", 30, 0, 100, "%", "usable charge below which the USB ports are off"),
    ("slow_report_pct", 20, 0, 100, "%", "usable charge below which reports slow down"),
    ("survival_pct", 10, 0, 100, "%", "usable charge below which only a heartbeat remains"),
    ("hysteresis_pct", 5, 1, 30, "%", "charge to regain before a shed load returns"),
    ("cold_shift_pct", 10, 0, 50, "%", "pad and USB thresholds rise by this below 0 C"),
    ("rest_ma", 500, 10, 10000, "mA", "battery current below which it rests"),
    ("rest_s", 1800, 60, 86400, "s", "rest time before the voltage corrects the charge"),
    ("full_mv", 14000, 13600, 15000, "mV", "battery voltage that, with the current tapered, means full"),
    ("heater_w", 0, 0, 200, "W", "battery heater fitted on heater_pin: its power; 0 = none"),
)

# key, default, allowed values (None: any text matching the check in _text_ok).
_TEXTS = (
    ("log_level", "info", ("debug", "info", "warn", "error")),
    ("occupancy", "both", ("pir", "radar", "both")),
    ("energy_policy", "budget", ("budget", "ladder")),
    ("temp_batt_rom", "", None),
    ("temp_air_rom", "", None),
)


def _int_spec(key):
    for spec in _INTS:
        if spec[0] == key:
            return spec
    return None


def _text_spec(key):
    for spec in _TEXTS:
        if spec[0] == key:
            return spec
    return None


def _text_ok(value):
    # ROM codes: 16 hex digits, or empty for "the first / second sensor found".
    if value == "":
        return True
    if len(value) != 16:
        return False
    for ch in value:
        if ch not in "0123456789abcdef":
            return False
    return True


def choices(key):
    """The allowed values of a text key with a fixed list, else None."""
    spec = _text_spec(key)
    return spec[2] if spec is not None else None


def names():
    return sorted([s[0] for s in _INTS] + [s[0] for s in _TEXTS])


def check(key, value):
    """None if `value` is acceptable for `key`, else what is wrong, in one line."""
    spec = _int_spec(key)
    if spec is not None:
        if isinstance(value, bool) or not isinstance(value, int):
            return "%s must be a whole number of %s, got %s" % (key, spec[4] or "units", value)
        if value < spec[2] or value > spec[3]:
            unit = (" " + spec[4]) if spec[4] else ""
            return "%s must be %d..%d%s, got %d" % (key, spec[2], spec[3], unit, value)
        return None
    spec = _text_spec(key)
    if spec is None:
        return "unknown key %s (try 'config get')" % key
    if not isinstance(value, str):
        return "%s must be text, got %s" % (key, value)
    if spec[2] is not None:
        if value not in spec[2]:
            return "%s must be one of %s, got %s" % (key, "|".join(spec[2]), value)
    elif not _text_ok(value):
        return "%s must be 16 lowercase hex digits or empty, got %s" % (key, value)
    return None


def conflict(values, key=None, value=None):
    """A rule across keys that `values` (with `key` set to `value`, if given) breaks, in one
    line, or None. The host's preflight (benchctl flash) asks the same."""
    lo = value if key == "min_session_s" else values["min_session_s"]
    hi = value if key == "max_session_s" else values["max_session_s"]
    if lo > hi:
        return "min_session_s (%d) must not be above max_session_s (%d)" % (lo, hi)
    return None


def parse(key, text):
    """Console text to a typed value for `key`; raises ValueError with a clear message."""
    if _int_spec(key) is not None:
        # ASCII digits and a leading minus only: CPython's int() also takes other scripts'
        # digits, spaces and underscores, MicroPython's does not, and a board must read a line
        # as the host's tools do.
        digits = text[1:] if text[:1] == "-" else text
        if not digits or len(digits) > 12 or any(c < "0" or c > "9" for c in digits):
            raise ValueError("%s must be a whole number, got %s" % (key, text[:24]))
        return int(text)
    if _text_spec(key) is not None:
        return text
    raise ValueError("unknown key %s (try 'config get')" % key[:40])


def describe(key):
    spec = _int_spec(key)
    if spec is not None:
        unit = (" " + spec[4]) if spec[4] else ""
        return "%d..%d%s, %s" % (spec[2], spec[3], unit, spec[5])
    text = _text_spec(key)
    if text is not None and text[2] is not None:
        return "|".join(text[2])
    return "16 hex digits or empty"


class Config:
    """Current values; `v[key]` reads one. Saved to flash only with what differs from defaults."""

    def __init__(self):
        # A rule across keys that needs the board (bench/sensors.py monitors_fit: a shunt and
        # range the current monitor can calibrate): values -> problem or None.
        self.across = None
        self.v = {}  # type: dict
        for spec in _INTS:
            self.v[spec[0]] = spec[1]
        for text in _TEXTS:
            self.v[text[0]] = text[1]

    def default(self, key):
        spec = _int_spec(key) or _text_spec(key)
        return spec[1] if spec else None

    def load(self, store, log):
        """Read config.json from `store`; every problem is logged and the default kept."""
        raw = store.read(_FILE)
        if raw is None:
            return
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeError, RuntimeError):  # RuntimeError: nested too deep (MicroPython)
            data = None
        if not isinstance(data, dict):
            # Kept for the technician as config.json.bad; 'config set' writes a new one.
            log.error("config", "%s is not one JSON object of settings; set aside as %s.bad, using defaults "
                      "(fix it with 'config set' or benchctl flash --config)" % (_FILE, _FILE))
            store.set_aside(_FILE)
            return
        for key in sorted(data):
            self.apply(key, data[key], log)

    def problem(self, changes):
        """What is wrong with setting every key of the dict `changes` at once, in one line, or
        None: each value against its key, then the rules across keys on the result."""
        for key in changes:
            problem = check(key, changes[key])
            if problem is not None:
                return problem
        values = dict(self.v)
        for key in changes:
            values[key] = changes[key]
        problem = conflict(values)
        if problem is None and self.across is not None:
            problem = self.across(values)
        return problem

    def apply(self, key, value, log):
        """Set `key` if `value` passes the schema; log and keep the old value otherwise."""
        problem = self.problem({key: value})
        if problem is not None:
            if key in self.v:
                problem += "; keeping %s" % self.v[key]
            log.error("config", problem)
            return False
        self.v[key] = value
        return True

    def save(self, store):
        changed = {}
        for key in self.v:
            if self.v[key] != self.default(key):
                changed[key] = self.v[key]
        store.write(_FILE, json.dumps(changed).encode())
