"""Reads bench traces (docs/spec/trace-v1.md): checks every line and turns records into
tape records for the simulated world: (t in ms, channels in integer units, events)."""

from __future__ import annotations

import gzip
import json
import math
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = "bench-trace"
VERSION = 1
SUFFIXES = (".jsonl.gz", ".jsonl")  # what a trace file's name ends with (docs/traces.md)
BENCH_ID = re.compile(r"[A-Za-z0-9_-]{1,32}\Z")  # trace-v1 header `bench`; benchctl flash too
_START = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z\Z")
# Tuples, not sets: a value from the file may be a list or an object, which a set cannot hold
# and `in` would raise on (hypothesis found {"reset": {}}).
# `pir` and `radar` are this project's (docs/traces.md): the two occupancy sensors apart.
ROLES = ("solar", "battery", "occupancy", "radio", "pir", "radar", *(f"port{n}" for n in range(1, 9)))
KINDS = ("nack", "stuck", "garbage")
RESETS = ("power_on", "brownout", "watchdog", "hard", "soft")
CONSOLE_KEPT = 121  # firmware/drivers/usb_console.py _MAX_LINE
_EVENTS = {"link", "sf", "reset", "torn_write", "downlink", "console", "fault"}
_BINARY = {"pir", "seat", "sitting"}


def trace_stem(name: str) -> str:
    """A trace's name without its suffix: NAME of NAME.jsonl or NAME.jsonl.gz (an expectation's
    NAME.expect.json, a replay's --out folder, a pytest item)."""
    for ext in SUFFIXES:
        if name.endswith(ext):
            return name[: -len(ext)]
    return name


def is_trace_file(name: str) -> bool:
    return name.endswith(SUFFIXES)


class TraceError(Exception):
    """A trace that breaks trace-v1: names the file, the line and what is wrong."""

    def __init__(self, path: str, line: int, message: str):
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


@dataclass
class Header:
    bench: str
    start: str
    board: str | None = None
    source: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    plant: dict[str, Any] | None = None
    note: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    line: int = 1


# The longest trace benchctl replays (docs/traces.md): ten years of trace time. trace-v1 only
# asks t >= 0; beyond this a replay would run for days, so it is refused (exit 2) instead.
T_MAX_S = 10 * 365 * 86400 + 2 * 86400
# A channel's magnitude in its own unit (V, A, degrees C, W, cm...): no sensor reads beyond it,
# so a larger number (valid JSON, even 400 digits) is read as this, as a chip saturates.
CHANNEL_MAX = 1e12


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True  # any size: math.isfinite would raise OverflowError on 400 digits
    return isinstance(value, float) and math.isfinite(value)


def _scale(name: str) -> int:
    """Tape units: V and A in micro, degrees C in milli; cm, counts and W/m2 whole."""
    if name.endswith("_v") or name.endswith("_a"):
        return 1_000_000
    if name.endswith("_c") or name.endswith("_w") or name.endswith("_wm2"):
        return 1000
    return 1


def channel_value(name: str, value: Any, fail) -> int | None:
    if value is None:
        return None
    if not _is_number(value):
        fail(f"channel {name} must be a number or null, got {json.dumps(value)[:40]}")
    if name in _BINARY:
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
    return round(value * _scale(name))


def _event(key: str, value: Any, record: dict, fail) -> tuple[str, Any] | None:
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
    if not _is_number(value["for_s"]) or value["for_s"] < 0:
        fail(f"fault for_s must be a number >= 0, got {json.dumps(value['for_s'])[:40]}")
    # A fault longer than the longest trace lasts to its end.
    return ("fault", (value["sensor"], value["kind"], round(min(value["for_s"], T_MAX_S) * 1000)))


def _open(path: Path):
    """(file of bytes, the raw file whose position tells how far the reading got)."""
    raw = open(path, "rb")  # noqa: SIM115 - closed by Trace._numbered
    magic = raw.read(2)
    raw.seek(0)
    if magic == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw, mode="rb"), raw
    return raw, raw


def _header(data: Any, fail) -> Header:
    if not isinstance(data, dict):
        fail("the header must be a JSON object")
    if data.get("format") != FORMAT:
        fail(f'not a bench trace: the header needs "format": "{FORMAT}"')
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        fail(f"version must be a whole number, got {json.dumps(version)[:40]}")
    if version > VERSION:
        fail(f"trace version {version} is newer than this benchctl reads ({VERSION}); update benchctl")
    if version < 1:
        fail(f"version must be 1, got {version}")
    bench = data.get("bench")
    if not isinstance(bench, str) or not BENCH_ID.match(bench):
        fail(f"bench must be 1-32 of A-Z a-z 0-9 _ -, got {json.dumps(bench)[:40]}")
    start = data.get("start")
    if not isinstance(start, str) or not _START.match(start):
        fail(f"start must be ISO 8601 UTC like 2026-12-21T00:00:00Z, got {json.dumps(start)[:40]}")
    for key, kind in (("board", str), ("source", str), ("note", str), ("config", dict), ("plant", dict)):
        if key in data and not isinstance(data[key], kind):
            fail(f"{key} must be {'a string' if kind is str else 'an object'}")
    if data.get("source") not in (None, "recorded", "synthetic"):
        fail(f'source must be "recorded" or "synthetic", got {json.dumps(data["source"])[:40]}')
    known = {"format", "version", "bench", "start", "board", "source", "config", "plant", "note"}
    return Header(bench=bench, start=start, board=data.get("board"), source=data.get("source"),
                  config=data.get("config", {}), plant=data.get("plant"), note=data.get("note"),
                  extra={k: v for k, v in data.items() if k not in known})


class Trace:
    """`Trace(path)` reads the header; iterating yields tape records, checking every line.
    Raises TraceError at the first problem."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.name = str(path)
        self.lines = 0
        self.duration_ms = 0
        self.channels: set[str] = set()
        try:
            self.size = self.path.stat().st_size
            self._file, self._raw = _open(self.path)
        except OSError as e:
            raise TraceError(self.name, 0, f"cannot open: {e.strerror}") from None
        self._iter = self._numbered()
        try:
            number, text = next(self._iter)
        except StopIteration:
            raise TraceError(self.name, 1, "empty trace: line 1 must be the header") from None
        self.header = _header(self._json(number, text), self._failer(number))
        self.header.line = number

    def _failer(self, number: int):
        def fail(message: str):
            raise TraceError(self.name, number, message)
        return fail

    def _numbered(self) -> Iterator[tuple[int, str]]:
        try:
            for number, raw in enumerate(self._file, 1):
                self.lines = number
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as e:
                    raise TraceError(self.name, number, f"not UTF-8: {e.reason} at byte {e.start}") from None
                stripped = text.strip()
                if not stripped or stripped.startswith("#"):
                    continue
                yield number, stripped
        except (EOFError, OSError, gzip.BadGzipFile, zlib.error) as e:
            raise TraceError(self.name, self.lines + 1, f"unreadable: {e}") from None
        finally:
            self._file.close()
            self._raw.close()

    def close(self) -> None:
        """Close the file when the records are read elsewhere (benchctl.replay.tape)."""
        self._file.close()
        self._raw.close()

    def progress(self) -> float:
        """How much of the file has been read, 0..1 (of the compressed bytes for gzip)."""
        if self._raw.closed or not self.size:
            return 1.0
        return min(1.0, self._raw.tell() / self.size)

    def _json(self, number: int, text: str) -> Any:
        try:
            return json.loads(text)
        except ValueError as e:
            raise TraceError(self.name, number, f"bad JSON: {e}") from None
        except RecursionError:
            raise TraceError(self.name, number, "bad JSON: nested too deeply to be a trace record") from None

    def __iter__(self) -> Iterator[tuple[int, dict | None, list | None]]:
        last = 0.0
        for number, text in self._iter:
            try:
                t, tape = self._record(number, text, last)
            except (OverflowError, ValueError, TypeError, RecursionError, MemoryError) as e:
                # What the checks below did not foresee is still this line's fault, not the replay's.
                raise TraceError(self.name, number, f"cannot be read as a record ({type(e).__name__})") from None
            last = t
            yield tape

    def _record(self, number: int, text: str, last: float) -> tuple[float, tuple]:
        """One line checked against trace-v1: (its t, its tape record); raises TraceError."""
        record = self._json(number, text)
        fail = self._failer(number)
        if not isinstance(record, dict):
            fail("a record must be a JSON object")
        if "t" not in record:
            fail("missing t")
        t = record["t"]
        if not _is_number(t) or t < 0:
            fail(f"t must be a number >= 0, got {json.dumps(t)[:40]}")
        if t > T_MAX_S:
            fail(f"t = {json.dumps(t)[:40]} s is beyond the longest trace benchctl replays "
                 f"({T_MAX_S} s, ten years): split the trace")
        if t < last:
            fail(f"t goes backwards ({t} after {last})")
        channels: dict[str, int | None] | None = None
        events: list | None = None
        for key, value in record.items():
            if key == "t":
                continue
            if key in _EVENTS:
                event = _event(key, value, record, fail)
                if event is not None:
                    events = events or []
                    events.append(event)
            else:
                channels = channels or {}
                channels[key] = channel_value(key, value, fail)
                self.channels.add(key)
        t_ms = round(t * 1000)
        self.duration_ms = t_ms
        return t, (t_ms, channels, events)


class _Bad(Exception):
    pass


def _raise(message: str):
    raise _Bad(message)


RECORD_T_MAX = T_MAX_S  # s: what a producer (the console's recorder) may write


def record_problem(record: Any) -> str | None:
    """What would make `record` an invalid trace-v1 record on its own (its order against the
    others aside), or None: for producers such as the console's recorder."""
    if not isinstance(record, dict):
        return "a record must be a JSON object"
    t = record.get("t")
    if not _is_number(t) or not 0 <= t < RECORD_T_MAX:
        return f"t must be a number 0..{RECORD_T_MAX}, got {json.dumps(t)[:40]}"
    try:
        for key, value in record.items():
            if key == "t":
                continue
            if key in _EVENTS:
                _event(key, value, record, _raise)
            else:
                channel_value(key, value, _raise)
    except _Bad as e:
        return str(e)
    return None


def check(path: str | Path) -> Trace:
    """Read the whole trace once; raises TraceError, else returns the (spent) reader."""
    trace = Trace(path)
    for _ in trace:
        pass
    return trace
