"""The schema of a board's `board.json` (docs/boards.md): every key the wiring, the firmware and
the replay read, with its type, so that a misspelt key is an error rather than a part "not
fitted". Checked by `benchctl flash` before it writes, by `benchctl replay`, and over
boards/*/board.json by a test."""

from __future__ import annotations

import difflib
from typing import Any

_PIN = (0, 48)  # GPIO numbers on an ESP32 (0..39) or an RP2040 (0..29), with room for the S3
_CHIPS_POWER = ("ina226", "ina219")
_UART = {"uart": (int, (0, 2)), "tx": (int, _PIN), "rx": (int, _PIN), "baud": (int, (1200, 1_000_000))}
_MONITOR = {"chip": (str, _CHIPS_POWER), "addr": (int, (0x08, 0x77))}
# key: (type, range or choices, required) — a dict type nests a table of its own.
KEYS: dict[str, tuple[Any, Any, bool]] = {
    "name": (str, None, True),
    "mcu": (str, ("esp32", "rp2", "unix"), True),
    "micropython": ({"platform": (str, ("esp32", "rp2", "linux")), "board": (str, None), "install": (str, ("esptool", "uf2")),
                     "chip": (str, None), "chip_id": (int, (0, 0xFFFF)), "offset": (str, None), "family": (str, None),
                     "drive": (str, None)}, None, True),
    "i2c": ({"id": (int, (0, 1)), "scl": (int, _PIN), "sda": (int, _PIN), "freq": (int, (10_000, 1_000_000))},
            None, True),
    "solar": (_MONITOR, None, False),
    "battery": (_MONITOR, None, False),
    "ports": (list, {"chip": (str, ("ina3221",)), "addr": (int, (0x08, 0x77))}, False),
    "port_pins": (list, int, False),
    "qi_pin": (int, _PIN, False),
    "onewire_pin": (int, _PIN, False),
    "pir_pin": (int, _PIN, False),
    "seat_pin": (int, _PIN, False),
    "radar": ({**_UART, "rxbuf": (int, (64, 4096))}, None, False),
    "radar_power_pin": (int, _PIN, False),
    "heater_pin": (int, _PIN, False),
    "modem": (_UART, None, False),
    "wifi": (bool, None, False),
    "watchdog_ms": (int, (1000, 60_000), True),
    "gc_threshold_bytes": (int, (1024, 1 << 20), False),
}


class BoardError(ValueError):
    """What is wrong with a board.json, by key, and what the keys are."""


def _near(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _value(where: str, value: Any, kind: Any, allowed: Any) -> None:
    if kind is bool:
        if not isinstance(value, bool):
            raise BoardError(f"{where} must be true or false, got {value!r}")
        return
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise BoardError(f"{where} must be a whole number, got {value!r}")
        if isinstance(allowed, tuple) and len(allowed) == 2 and not allowed[0] <= value <= allowed[1]:
            raise BoardError(f"{where} must be {allowed[0]}..{allowed[1]}, got {value}")
        return
    if kind is str:
        if not isinstance(value, str) or not value:
            raise BoardError(f"{where} must be text, got {value!r}")
        if allowed is not None and value not in allowed:
            raise BoardError(f"{where} must be one of {', '.join(allowed)}, got {value!r}")
        return
    if isinstance(kind, dict):
        _table(where, value, {k: (t, a, False) for k, (t, a) in kind.items()})
        return
    if kind is list:
        if not isinstance(value, list) or not value:
            raise BoardError(f"{where} must be a list with at least one entry, got {value!r}")
        for i, item in enumerate(value):
            if allowed is int:
                _value(f"{where}[{i}]", item, int, _PIN)
            else:
                _table(f"{where}[{i}]", item, {k: (t, a, True) for k, (t, a) in allowed.items()})


def _table(where: str, table: Any, keys: dict[str, tuple[Any, Any, bool]]) -> None:
    if not isinstance(table, dict):
        raise BoardError(f"{where} must be a JSON object, got {table!r}")
    known = sorted(keys)
    for key in table:
        if key not in keys:
            raise BoardError(f"{where}: unknown key {key!r}{_near(key, known)}; the keys are {', '.join(known)}")
    for key, (kind, allowed, required) in keys.items():
        if key in table:
            _value(f"{where}.{key}" if where else key, table[key], kind, allowed)
        elif required:
            raise BoardError(f"{where}: {key} is missing")


def check(spec: Any, where: str = "board.json") -> dict[str, Any]:
    """The board's spec, or BoardError naming the key that is wrong."""
    _table(where, spec, KEYS)
    mp = spec["micropython"]
    if "platform" not in mp:
        raise BoardError(f"{where}.micropython: platform is missing")
    need = {"esptool": ("board", "chip", "chip_id", "offset"), "uf2": ("board", "family", "drive")}.get(mp.get("install"), ())
    for key in need:
        if key not in mp:
            raise BoardError(f"{where}.micropython: {key} is missing (the {mp['install']} installer needs it)")
    pins = [spec[k] for k in ("qi_pin", "onewire_pin", "pir_pin", "seat_pin", "radar_power_pin", "heater_pin")
            if k in spec] + list(spec.get("port_pins", ()))
    for part in ("radar", "modem"):
        if part in spec:
            pins += [spec[part]["tx"], spec[part]["rx"]] if "tx" in spec[part] and "rx" in spec[part] else []
    pins += [spec["i2c"].get("scl"), spec["i2c"].get("sda")]
    taken = [p for p in pins if p is not None]
    doubled = sorted({p for p in taken if taken.count(p) > 1})
    if doubled:
        raise BoardError(f"{where}: pin(s) {', '.join(map(str, doubled))} wired to more than one part")
    if mp.get("platform") == "esp32" and "SPIRAM" in mp.get("board", ""):
        # On an ESP32 WROVER module the PSRAM takes GPIO16 and GPIO17 (Espressif's ESP32-WROVER-E
        # datasheet, pin description): a part wired there stops the PSRAM, and with it the heap.
        psram = sorted({p for p in taken if p in (16, 17)})
        if psram:
            raise BoardError(f"{where}: pin(s) {', '.join(map(str, psram))} belong to the PSRAM on a "
                             f"{mp['board']} module; wire the part to another GPIO")
    return spec
