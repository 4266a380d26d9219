# Payload format v1 (docs/payload-v1.md): reports and events as the bytes that go on the air.
# The FPort says what a frame is; every frame is at most 51 bytes (DR0-DR2's limit).
from micropython import const

from bench.config import choices
from bench.version import VERSION

FPORT_STATUS = const(1)
FPORT_EVENT = const(2)
FPORT_CONFIG = const(3)

EVENT_BOOT = const(1)
EVENT_PORT_FAULT = const(2)
EVENT_SENSOR_FAULT = const(3)
EVENT_SAFE_MODE = const(4)
EVENT_COMMAND_REJECTED = const(5)
EVENT_HEALTH = const(6)

RESET_CAUSES = ("power_on", "brownout", "watchdog", "hard", "soft")
PORT_FAULTS = ("over-current", "current while off")
SENSOR_ROLES = ("solar", "battery", "batt_temp", "air_temp", "pir", "radar", "port1", "port2", "port3",
                "port4", "port5", "port6", "port7", "port8")
SENSOR_KINDS = ("not answering", "stuck", "bad data", "answering again")  # the last: its fault ended
COMMAND_SOURCES = ("lorawan", "mqtt")
REJECTIONS = ("malformed", "bad value", "unknown", "not fitted")  # codes 1.. of bench.downlink
# Configuration keys by their read-back id: append only, never reorder (ids are on the air).
CONFIG_IDS = ("sample_interval_s", "report_interval_s", "heartbeat_s", "battery_ah", "battery_shunt_uohm",
              "battery_max_a", "solar_shunt_uohm", "solar_max_a", "port_shunt_uohm", "port_count",
              "port_session_ma", "port_start_s", "port_end_s", "port_max_ma", "port_leak_ma", "port_retry_s",
              "port_retry_max_s", "radar_max_cm", "vacant_after_s", "min_session_s", "max_session_s",
              "shed_qi_pct", "shed_usb_pct", "slow_report_pct", "survival_pct", "hysteresis_pct",
              "cold_shift_pct", "rest_ma", "rest_s", "log_level", "occupancy", "radar_hold_s",
              "full_mv", "heater_w", "energy_policy")
# The status frame, most significant bit first: (bits, field). docs/payload-v1.md has the units.
STATUS_LAYOUT = ((8, "seq"), (7, "soc"), (8, "volts"), (12, "solar"), (12, "used"), (6, "sittings"),
                 (11, "occupied"), (4, "charges"), (10, "port"), (3, "ports"), (7, "faults"), (8, "temp"))
FAULT_NAMES = ("solar", "battery", "ports", "occupancy", "temperature", "port_tripped", "seat_stuck")
MAX_FRAME = const(51)
STATUS_BYTES = const(12)


def _clamp(value, top):
    return 0 if value < 0 else (top if value > top else value)


def _tenths(mwh):
    """mWh to 0.1 Wh, rounded."""
    return (mwh + 50) // 100


class Bits:
    """Packs unsigned fields most significant bit first into a preallocated buffer."""

    def __init__(self, buf):
        self.buf = buf
        self.pos = 0
        for i in range(len(buf)):
            buf[i] = 0

    def put(self, value, bits):
        buf = self.buf
        pos = self.pos
        for i in range(bits - 1, -1, -1):
            if (value >> i) & 1:
                buf[pos >> 3] |= 0x80 >> (pos & 7)
            pos += 1
        self.pos = pos


def encode_status(report, buf=None):
    """The 12-byte status frame (FPort 1) of a bench.report.Report. Table in docs/payload-v1.md."""
    g = report.get
    buf = buf if buf is not None else bytearray(STATUS_BYTES)
    soc = g("soc_pm")
    mv = g("batt_mv")
    temp = g("batt_c")
    values = (
        g("seq") & 0xFF,
        127 if soc is None else _clamp((soc + 5) // 10, 100),
        255 if not mv else _clamp((mv - 10000 + 10) // 20, 254),
        _clamp(_tenths(g("solar_mwh")), 4095),
        _clamp(_tenths(g("load_mwh")), 4095),
        _clamp(g("sit_sessions"), 63),
        _clamp((g("occupied_s") + 30) // 60, 2047),
        _clamp(g("charge_sessions"), 15),
        _clamp(_tenths(g("port_mwh")), 1023),
        g("port_states") & 0x7,
        g("faults") & 0x7F,
        0x80 if temp is None else (-127 if temp < -127 else (127 if temp > 127 else temp)) & 0xFF,
    )
    b = Bits(buf)
    for i in range(len(values)):
        b.put(values[i], STATUS_LAYOUT[i][0])
    return buf


def _version_bytes(version):
    parts = version.split(".")
    return [int(p) & 0xFF for p in (parts + ["0", "0", "0"])[:3]]


def encode_boot(cause, boots, version=VERSION):
    """FPort 2 boot event: firmware version, reset cause, boot count."""
    major, minor, patch = _version_bytes(version)
    code = RESET_CAUSES.index(cause) if cause in RESET_CAUSES else 255
    boots = _clamp(boots, 0xFFFF)
    return bytes((EVENT_BOOT, major, minor, patch, code, boots >> 8, boots & 0xFF))


def encode_port_fault(port, kind, ma, retry_s):
    ma = _clamp(ma, 0xFFFF)
    retry_s = _clamp(retry_s, 0xFFFF)
    return bytes((EVENT_PORT_FAULT, port, PORT_FAULTS.index(kind) + 1, ma >> 8, ma & 0xFF, retry_s >> 8,
                  retry_s & 0xFF))


def encode_sensor_fault(role, kind, failures):
    failures = _clamp(failures, 0xFFFF)
    return bytes((EVENT_SENSOR_FAULT, SENSOR_ROLES.index(role) + 1, SENSOR_KINDS.index(kind) + 1,
                  failures >> 8, failures & 0xFF))


def encode_safe_mode(boots_in_window, entered):
    """Safe mode entered (1) or left (0) after `boots_in_window` boots that did not prove good."""
    return bytes((EVENT_SAFE_MODE, 1 if entered else 0, _clamp(boots_in_window, 255)))


HEALTH_SENSORS = ("solar", "battery", "batt_temp", "air_temp", "pir", "radar", "ports")
HEALTH_BYTES = const(24)


def encode_health(uptime_h, resets, overruns, errors, radio, queued, free_heap, gauge=None):
    """FPort 2 health event: this life's uptime (h, u16); resets since the first boot by
    cause (5 x u8); loop overruns, sensor errors per HEALTH_SENSORS and radio troubles in the
    last period (u8 each); frames waiting (u16); free heap in KB (255: unknown or more); the
    fuel gauge as (capacity mA*s, how sure %, last anchor) or None: the capacity it learnt in
    0.1 Ah (u16, 0xFFFF unknown), how sure (%, 255 unknown), its last anchor (bench/capacity.py ANCHORS)."""
    out = bytearray(HEALTH_BYTES)
    out[0] = EVENT_HEALTH
    uptime_h = _clamp(uptime_h, 0xFFFF)
    out[1], out[2] = uptime_h >> 8, uptime_h & 0xFF
    for i in range(5):
        out[3 + i] = _clamp(resets[i], 255)
    out[8] = _clamp(overruns, 255)
    for i in range(7):
        out[9 + i] = _clamp(errors[i], 255)
    out[16] = _clamp(radio, 255)
    queued = _clamp(queued, 0xFFFF)
    out[17], out[18] = queued >> 8, queued & 0xFF
    out[19] = 255 if free_heap is None else _clamp(free_heap // 1024, 255)
    if gauge is None:
        out[20], out[21], out[22] = 0xFF, 0xFF, 255
    else:
        dah = _clamp((gauge[0] + 180000) // 360000, 0xFFFE)  # mA*s to 0.1 Ah, rounded
        out[20], out[21] = dah >> 8, dah & 0xFF
        out[22] = _clamp(gauge[1], 100)
        out[23] = gauge[2]
    return bytes(out)


def encode_command_rejected(source, fport, code):
    """A command from the network was rejected: where it came from, its FPort (0 for an MQTT
    JSON command), and why (1 malformed, 2 bad value, 3 unknown, 4 not fitted)."""
    return bytes((EVENT_COMMAND_REJECTED, COMMAND_SOURCES.index(source) + 1, fport & 0xFF, code))


def _varint(out, value):
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return


def encode_config(values):
    """FPort 3 read-back: the configuration in as few frames as fit 51 bytes each. Each frame
    starts with (page << 4) | pages, then key id and LEB128 value pairs."""
    entries = []
    for i in range(len(CONFIG_IDS)):
        key = CONFIG_IDS[i]
        value = values[key]
        allowed = choices(key)
        if allowed is not None:
            value = allowed.index(value)
        pair = bytearray((i,))
        _varint(pair, value)
        entries.append(pair)
    frames = [bytearray(1)]
    for pair in entries:
        if len(frames[-1]) + len(pair) > MAX_FRAME:
            frames.append(bytearray(1))
        frames[-1].extend(pair)
    for page in range(len(frames)):
        frames[page][0] = (page << 4) | len(frames)
    return [bytes(f) for f in frames]
