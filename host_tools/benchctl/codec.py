"""Payload format v1 decoder (docs/payload-v1.md), written apart from the firmware's encoder
so that the two check each other. `decode(fport, data)` returns the decoded object with its
warnings, or raises DecodeError saying what is wrong."""

from __future__ import annotations

from typing import Any

FAULTS = ("solar", "battery", "ports", "occupancy", "temperature", "port_tripped", "seat_stuck")
RESET_CAUSES = ("power_on", "brownout", "watchdog", "hard", "soft")
PORT_FAULTS = ("over-current", "current while off")
SENSOR_ROLES = ("solar", "battery", "batt_temp", "air_temp", "pir", "radar", "port1", "port2", "port3",
                "port4", "port5", "port6", "port7", "port8")
SENSOR_KINDS = ("not answering", "stuck", "bad data", "answering again")
GAUGE_ANCHORS = ("none", "full", "empty", "rest", "restored")  # firmware/bench/capacity.py
HEALTH_SENSORS = ("solar", "battery", "batt_temp", "air_temp", "pir", "radar", "ports")
COMMAND_SOURCES = ("lorawan", "mqtt")
REJECTIONS = ("malformed", "bad value", "unknown", "not fitted")
CONFIG_IDS = ("sample_interval_s", "report_interval_s", "heartbeat_s", "battery_ah", "battery_shunt_uohm",
              "battery_max_a", "solar_shunt_uohm", "solar_max_a", "port_shunt_uohm", "port_count",
              "port_session_ma", "port_start_s", "port_end_s", "port_max_ma", "port_leak_ma", "port_retry_s",
              "port_retry_max_s", "radar_max_cm", "vacant_after_s", "min_session_s", "max_session_s",
              "shed_qi_pct", "shed_usb_pct", "slow_report_pct", "survival_pct", "hysteresis_pct",
              "cold_shift_pct", "rest_ma", "rest_s", "log_level", "occupancy", "radar_hold_s",
              "full_mv", "heater_w", "energy_policy")
CHOICES = {"log_level": ("debug", "info", "warn", "error"), "occupancy": ("pir", "radar", "both"),
           "energy_policy": ("budget", "ladder")}
STATUS_FIELDS = (("seq", 8), ("soc", 7), ("volts", 8), ("solar", 12), ("used", 12), ("sittings", 6),
                 ("occupied", 11), ("charges", 4), ("port", 10), ("ports", 3), ("faults", 7), ("temp", 8))


class DecodeError(ValueError):
    """A payload that is not a v1 frame: the message says why."""


def _bits(data: bytes, layout) -> dict[str, int]:
    value = int.from_bytes(data, "big")
    left = len(data) * 8
    out = {}
    for name, width in layout:
        left -= width
        out[name] = (value >> left) & ((1 << width) - 1)
    return out


def _status(data: bytes, warnings: list[str]) -> dict[str, Any]:
    if len(data) != 12:
        raise DecodeError(f"a status frame (FPort 1) is 12 bytes, got {len(data)}")
    f = _bits(data, STATUS_FIELDS)
    if f["soc"] > 100 and f["soc"] != 127:
        raise DecodeError(f"state of charge {f['soc']} % is out of range")
    for name, key, top in (("solar_wh", "solar", 4095), ("used_wh", "used", 4095), ("port_wh", "port", 1023)):
        if f[key] == top:
            warnings.append(f"{name} at its ceiling: {top / 10} Wh or more")
    temp = f["temp"] - 256 if f["temp"] >= 128 else f["temp"]
    return {
        "frame": "status",
        "seq": f["seq"],
        "soc_pct": None if f["soc"] == 127 else f["soc"],
        "battery_v": None if f["volts"] == 255 else (1000 + 2 * f["volts"]) / 100,
        "solar_wh": f["solar"] / 10,
        "used_wh": f["used"] / 10,
        "sittings": f["sittings"],
        "occupied_min": f["occupied"],
        "charge_sessions": f["charges"],
        "port_wh": f["port"] / 10,
        "ports_on": [n + 1 for n in range(3) if f["ports"] & (1 << n)],
        "faults": [name for n, name in enumerate(FAULTS) if f["faults"] & (1 << n)],
        "battery_c": None if temp == -128 else temp,
    }


def _pick(table: tuple[str, ...], code: int, what: str) -> str:
    if not 1 <= code <= len(table):
        raise DecodeError(f"unknown {what} code {code}")
    return table[code - 1]


def _gauge(data: bytes) -> dict[str, Any]:
    dah = (data[20] << 8) | data[21]
    if data[22] > 100 and data[22] != 255:
        raise DecodeError(f"gauge sureness must be 0..100 % or 255, got {data[22]}")
    return {"capacity_ah": None if dah == 0xFFFF else dah / 10, "capacity_sure_pct": None if data[22] == 255 else data[22],
            "gauge_anchor": _anchor(data[23])}


def _anchor(code: int) -> str:
    if code >= len(GAUGE_ANCHORS):
        raise DecodeError(f"unknown gauge anchor code {code}")
    return GAUGE_ANCHORS[code]


def _event(data: bytes) -> dict[str, Any]:
    if not data:
        raise DecodeError("an event frame (FPort 2) needs at least its type byte")
    kind, sizes = data[0], {1: 7, 2: 7, 3: 5, 4: 3, 5: 4, 6: 24}
    if kind not in sizes:
        raise DecodeError(f"unknown event type {kind}")
    if kind == 6 and len(data) == 20:
        pass  # a health frame from before the fuel gauge (firmware 0.1): no gauge bytes
    elif len(data) != sizes[kind]:
        raise DecodeError(f"event type {kind} is {sizes[kind]} bytes, got {len(data)}")
    if kind == 1:
        if data[4] >= len(RESET_CAUSES) and data[4] != 255:
            raise DecodeError(f"unknown reset cause code {data[4]}")
        return {"frame": "boot", "firmware": f"{data[1]}.{data[2]}.{data[3]}",
                "reset_cause": "unknown" if data[4] == 255 else RESET_CAUSES[data[4]],
                "boots": (data[5] << 8) | data[6]}
    if kind == 2:
        if not 1 <= data[1] <= 8:
            raise DecodeError(f"port {data[1]} is out of range 1..8")
        return {"frame": "port_fault", "port": data[1], "fault": _pick(PORT_FAULTS, data[2], "port fault"),
                "current_ma": (data[3] << 8) | data[4], "retry_s": (data[5] << 8) | data[6]}
    if kind == 3:
        return {"frame": "sensor_fault", "sensor": _pick(SENSOR_ROLES, data[1], "sensor"),
                "fault": _pick(SENSOR_KINDS, data[2], "sensor fault"), "failures": (data[3] << 8) | data[4]}
    if kind == 5:
        return {"frame": "command_rejected", "source": _pick(COMMAND_SOURCES, data[1], "command source"),
                "fport": data[2], "reason": _pick(REJECTIONS, data[3], "rejection")}
    if kind == 6:
        health = {"frame": "health", "uptime_h": (data[1] << 8) | data[2],
                  "resets": {cause: data[3 + i] for i, cause in enumerate(RESET_CAUSES)},
                  "overruns": data[8], "sensor_errors": {role: data[9 + i] for i, role in enumerate(HEALTH_SENSORS)},
                  "radio_troubles": data[16], "queued": (data[17] << 8) | data[18],
                  "free_heap_kb": None if data[19] == 255 else data[19]}
        if len(data) == 24:
            health.update(_gauge(data))
        return health
    if data[1] > 1:
        raise DecodeError(f"safe mode flag must be 0 or 1, got {data[1]}")
    return {"frame": "safe_mode", "entered": data[1] == 1, "boots": data[2]}


def _config(data: bytes) -> dict[str, Any]:
    if not data:
        raise DecodeError("a config frame (FPort 3) needs at least its page byte")
    page, pages = data[0] >> 4, data[0] & 0x0F
    if pages == 0 or page >= pages:
        raise DecodeError(f"page {page} of {pages} is impossible")
    config: dict[str, Any] = {}
    i = 1
    while i < len(data):
        key_id = data[i]
        if key_id >= len(CONFIG_IDS):
            raise DecodeError(f"unknown configuration key id {key_id}")
        key = CONFIG_IDS[key_id]
        if key in config:
            raise DecodeError(f"configuration key {key} twice in one frame")
        value, shift = 0, 0
        while True:
            i += 1
            if i >= len(data):
                raise DecodeError(f"the value of {key} is cut short")
            value |= (data[i] & 0x7F) << shift
            shift += 7
            if not data[i] & 0x80:
                break
            if shift > 28:
                raise DecodeError(f"the value of {key} is longer than 4 bytes")
        if key in CHOICES:
            if value >= len(CHOICES[key]):
                raise DecodeError(f"{key} choice {value} is unknown")
            config[key] = CHOICES[key][value]
        else:
            config[key] = value
        i += 1
    return {"frame": "config", "page": page, "pages": pages, "config": config}


def decode(fport: int, data: bytes) -> tuple[dict[str, Any], list[str]]:
    """(decoded object, warnings); DecodeError for anything that is not a v1 uplink."""
    if len(data) > 51:
        raise DecodeError(f"{len(data)} bytes: no v1 uplink is longer than 51")
    warnings: list[str] = []
    if fport == 1:
        return _status(data, warnings), warnings
    if fport == 2:
        return _event(data), warnings
    if fport == 3:
        return _config(data), warnings
    raise DecodeError(f"FPort {fport} carries no v1 uplink (1 status, 2 events, 3 configuration)")


PORT_MODES = ("auto", "on", "off")


def _varint(out: list[int], value: int) -> None:
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | 0x80 if value else byte)
        if not value:
            return


def encode_downlink(data: dict[str, Any]) -> tuple[int, bytes]:
    """(FPort, bytes) of a v1 downlink; DecodeError for data that is not one."""
    if not isinstance(data, dict):
        raise DecodeError("a downlink is an object: config, port and mode, read_config, reboot or resend_from")
    if "config" in data:
        if not isinstance(data["config"], dict):
            raise DecodeError("config must be an object of key: value")
        out: list[int] = []
        for key, value in data["config"].items():
            if key not in CONFIG_IDS:
                raise DecodeError(f"unknown configuration key {key}")
            if key in CHOICES:
                if value not in CHOICES[key]:
                    raise DecodeError(f"{key} must be one of {'|'.join(CHOICES[key])}")
                value = CHOICES[key].index(value)
            elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0xFFFFFFF:
                raise DecodeError(f"{key} must be a whole number 0..268435455")
            out.append(CONFIG_IDS.index(key))
            _varint(out, value)
        if not out:
            raise DecodeError("config names no key")
        if len(out) > 51:
            raise DecodeError("the configuration does not fit one downlink: send fewer keys")
        return 10, bytes(out)
    if "port" in data:
        port, mode = data["port"], data.get("mode")
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 8:
            raise DecodeError("port must be 1..8")
        if mode not in PORT_MODES:
            raise DecodeError("mode must be auto, on or off")
        return 11, bytes((port, PORT_MODES.index(mode)))
    if data.get("read_config") is True:
        return 12, b"\x00"
    if data.get("reboot") is True:
        return 13, b"\xb0\x07"
    if "resend_from" in data:
        seq = data["resend_from"]
        if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq <= 255:
            raise DecodeError("resend_from must be a status sequence number 0..255")
        return 14, bytes((seq,))
    raise DecodeError("nothing to send: give config, port and mode, read_config, reboot or resend_from")


def decode_downlink(fport: int, data: bytes) -> dict[str, Any]:
    if fport == 10:
        if not data:
            raise DecodeError("a set-config downlink names at least one key")
        return {"config": _config(b"\x01" + data)["config"]}
    if fport == 11:
        if len(data) != 2:
            raise DecodeError(f"a port downlink is 2 bytes, got {len(data)}")
        if not 1 <= data[0] <= 8:
            raise DecodeError(f"port {data[0]} is out of range 1..8")
        if data[1] >= len(PORT_MODES):
            raise DecodeError(f"unknown port mode {data[1]}")
        return {"port": data[0], "mode": PORT_MODES[data[1]]}
    if fport == 12:
        if data != b"\x00":
            raise DecodeError("a read-config downlink is the one byte 00")
        return {"read_config": True}
    if fport == 13:
        if data != b"\xb0\x07":
            raise DecodeError("a reboot downlink is b007")
        return {"reboot": True}
    if fport == 14:
        if len(data) != 1:
            raise DecodeError(f"a resend downlink is 1 byte, got {len(data)}")
        return {"resend_from": data[0]}
    raise DecodeError(f"FPort {fport} carries no v1 downlink (10 config, 11 port, 12 read config, 13 reboot, "
                      "14 resend)")
