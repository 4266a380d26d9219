"""Reads bench traces (docs/spec/trace-v1.md): checks every line and turns records into
tape records for the simulated world: (t in ms, channels in integer units, events)."""

from __future__ import annotations

import gzip
import json
import json.scanner
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchctl.replay.trace_values import (  # noqa: F401 - ROLES, KINDS, RESETS, T_MAX_S: read from here too
    BINARY,
    CHANNEL_MAX,
    CONSOLE_KEPT,
    EVENTS,
    KINDS,
    RESETS,
    ROLES,
    T_MAX_S,
    channel_value,
    event_value,
    is_number,
    scale_of,
)

FORMAT = "bench-trace"
VERSION = 1
SUFFIXES = (".jsonl.gz", ".jsonl")  # what a trace file's name ends with (docs/traces.md)
BENCH_ID = re.compile(r"[A-Za-z0-9_-]{1,32}\Z")  # trace-v1 header `bench`; benchctl flash too
_START = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z\Z")
# CPython's C scanner; PyPy has none (its scan_once is Python, slower than its own loads).
_SCAN = json.JSONDecoder().scan_once if json.scanner.c_make_scanner is not None else None  # type: ignore[attr-defined]


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
        self._plain: dict[str, tuple[int, int]] = {}
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
        # json.loads's own scanner, called straight on the stripped line: json.loads's wrapper
        # looks for whitespace around it with a regex, a third of its time. Any doubt (an
        # error, data after the value) goes to json.loads, whose message the reader reports.
        if _SCAN is not None:
            try:
                value, end = _SCAN(text, 0)
                if end == len(text):
                    return value
            except (StopIteration, ValueError, RecursionError):
                pass
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
        # The usual record, a time and analog channels seen before with plain numbers in range,
        # is read without the checks' calls (a year is 1.6 million records); anything else,
        # even one odd value, takes the careful way below, whose answer is the same
        # (tests/test_trace.py compares the two).
        if type(record) is dict:
            t = record.get("t")
            if (type(t) is int or type(t) is float) and last <= t <= T_MAX_S:
                plain = self._plain
                channels: dict[str, int | None] = {}
                for key, value in record.items():
                    lowest_scale = plain.get(key)
                    if lowest_scale is None:
                        if key == "t":
                            continue
                        break
                    if value is None:
                        channels[key] = None
                    elif (type(value) is float or type(value) is int) and \
                            lowest_scale[0] <= value <= CHANNEL_MAX:
                        channels[key] = round(value * lowest_scale[1])
                    else:
                        break
                else:
                    t_ms = round(t * 1000)
                    self.duration_ms = t_ms
                    return t, (t_ms, channels or None, None)
        return self._careful(number, record, last)

    def _careful(self, number: int, record: Any, last: float) -> tuple[float, tuple]:
        fail = self._failer(number)
        if not isinstance(record, dict):
            fail("a record must be a JSON object")
        if "t" not in record:
            fail("missing t")
        t = record["t"]
        if not is_number(t) or t < 0:
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
            if key in EVENTS:
                event = event_value(key, value, record, fail)
                if event is not None:
                    events = events or []
                    events.append(event)
            else:
                channels = channels or {}
                channels[key] = channel_value(key, value, fail)
                if key not in self.channels:
                    self.channels.add(key)
                    if key not in BINARY:  # the fast way's: (lowest value it takes, scale)
                        self._plain[key] = (0 if key == "radar_cm" else -CHANNEL_MAX, scale_of(key))
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
    if not is_number(t) or not 0 <= t < RECORD_T_MAX:
        return f"t must be a number 0..{RECORD_T_MAX}, got {json.dumps(t)[:40]}"
    try:
        for key, value in record.items():
            if key == "t":
                continue
            if key in EVENTS:
                event_value(key, value, record, _raise)
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
