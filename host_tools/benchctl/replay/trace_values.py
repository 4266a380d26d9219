"""What a trace-v1 record's values may be (docs/spec/trace-v1.md): the channels' numbers in
tape units, the events' values checked one by one. The reader (trace.py) calls them."""

from __future__ import annotations

import json
import math
import re
from typing import Any

# Tuples, not sets: a value from the file may be a list or an object, which a set cannot hold
# and `in` would raise on (hypothesis found {"reset": {}}).
# `pir` and `radar` are this project's (docs/traces.md): the two occupancy sensors apart.
ROLES = ("solar", "battery", "occupancy", "radio", "pir", "radar", *(f"port{n}" for n in range(1, 9)))
KINDS = ("nack", "stuck", "garbage")
RESETS = ("power_on", "brownout", "watchdog", "hard", "soft")
CONSOLE_KEPT = 121  # firmware/drivers/usb_console.py _MAX_LINE
EVENTS = {"link", "sf", "reset", "torn_write", "downlink", "console", "fault"}
BINARY = {"pir", "seat", "sitting"}

# The longest trace benchctl replays (docs/traces.md): ten years of trace time. trace-v1 only
# asks t >= 0; beyond this a replay would run for days, so it is refused (exit 2) instead.
T_MAX_S = 10 * 365 * 86400 + 2 * 86400
# A channel's magnitude in its own unit (V, A, degrees C, W, cm...): no sensor reads beyond it,
# so a larger number (valid JSON, even 400 digits) is read as this, as a chip saturates.
CHANNEL_MAX = 1e12


def is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True  # any size: math.isfinite would raise OverflowError on 400 digits
    return isinstance(value, float) and math.isfinite(value)


def scale_of(name: str) -> int:
    """Tape units: V and A in micro, degrees C in milli; cm, counts and W/m2 whole."""
    if name.endswith("_v") or name.endswith("_a"):
        return 1_000_000
    if name.endswith("_c") or name.endswith("_w") or name.endswith("_wm2"):
        return 1000
    return 1


def channel_value(name: str, value: Any, fail) -> int | None:
    if value is None:
        return None
    if not is_number(value):
        fail(f"channel {name} must be a number or null, got {json.dumps(value)[:40]}")
    if name in BINARY:
        if name == "sitting":
            if value < 0 or value != int(value):
                fail(f"sitting must be a whole number >= 0, got {value}")
            return int(value)
        if value not in (0, 1):
            fail(f"{name} must be 0 or 1, got {value}")
        return int(value)
    if name == "radar_cm" and value < 0:
        fail(f"radar_cm must be >= 0, got {value}")
    if not -CHANNEL_MAX <= value <= CHANNEL_MAX:
        value = CHANNEL_MAX if value > 0 else -CHANNEL_MAX
    return round(value * scale_of(name))


def event_value(key: str, value: Any, record: dict, fail) -> tuple[str, Any] | None:
    if key == "link":
        if value not in ("up", "down"):
            fail(f'link must be "up" or "down", got {json.dumps(value)[:40]}')
        return ("link", value)
    if key == "sf":
        if isinstance(value, bool) or not isinstance(value, int) or not 7 <= value <= 12:
            fail(f"sf must be a whole number 7..12, got {json.dumps(value)[:40]}")
        return ("sf", value)
    if key == "reset":
        if value not in RESETS:
            fail(f"reset must be one of {', '.join(sorted(RESETS))}, got {json.dumps(value)[:40]}")
        return ("reset", (value, record.get("torn_write") is True))
    if key == "torn_write":
        if value is not True:
            fail(f"torn_write must be true, got {json.dumps(value)[:40]}")
        if "reset" not in record:
            fail("torn_write needs a reset in the same record")
        return None
    if key == "console":
        if not isinstance(value, str):
            fail(f"console must be a string, got {json.dumps(value)[:40]}")
        # What a serial line can carry: a lone UTF-16 surrogate (valid JSON, no character) as
        # U+FFFD, and no more than the firmware's console keeps of a line (one character over
        # its limit, so that it still refuses the line as too long).
        if len(value) > CONSOLE_KEPT:
            value = value[:CONSOLE_KEPT]
        return ("console", value.encode("utf-16", "surrogatepass").decode("utf-16", "replace"))
    if key == "downlink":
        if not isinstance(value, dict) or set(value) != {"fport", "hex"}:
            fail('downlink must be {"fport": int, "hex": "..."}')
        fport, hexa = value["fport"], value["hex"]
        if isinstance(fport, bool) or not isinstance(fport, int) or not 1 <= fport <= 223:
            fail(f"downlink fport must be 1..223, got {json.dumps(fport)[:20]}")
        if not isinstance(hexa, str) or len(hexa) % 2 or not re.fullmatch(r"[0-9a-fA-F]*", hexa):
            fail("downlink hex must be an even number of hex digits")
        return ("downlink", (fport, hexa.lower()))
    # fault
    if not isinstance(value, dict) or set(value) != {"sensor", "kind", "for_s"}:
        fail('fault must be {"sensor": role, "kind": kind, "for_s": seconds}')
    if value["sensor"] not in ROLES:
        fail(f"fault sensor must be one of {', '.join(sorted(ROLES))}, got {json.dumps(value['sensor'])[:40]}")
    if value["kind"] not in KINDS:
        fail(f"fault kind must be nack, stuck or garbage, got {json.dumps(value['kind'])[:40]}")
    if not is_number(value["for_s"]) or value["for_s"] < 0:
        fail(f"fault for_s must be a number >= 0, got {json.dumps(value['for_s'])[:40]}")
    # A fault longer than the longest trace lasts to its end.
    return ("fault", (value["sensor"], value["kind"], round(min(value["for_s"], T_MAX_S) * 1000)))
