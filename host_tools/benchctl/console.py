"""`benchctl console PORT`: the field engineer's serial console on a bench. Reads any port URL
pyserial accepts, colours log levels, filters by level and topic, stamps host time, sends
commands to the bench's shell, waits for a USB port that vanished to come back, and with
`--record FILE` writes the bench's TRACE lines as a trace-v1 file `benchctl replay` accepts."""

from __future__ import annotations

import contextlib
import json
import re
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

import serial

from benchctl.ports import Claim, PortError, open_port
from benchctl.replay.trace import record_problem

LINE = re.compile(r"^\[\s*\d+\.\d{3}\] (DEBUG|INFO |WARN |ERROR) (\w+): ")
BANNER = re.compile(r"^bench (\S+) firmware (\S+) board (\S+) boot (\d+) reset (\w+)")
STATUS = re.compile(r"^bench (\S+) fw (\S+) board (\S+) up ")  # the first line of `status`
LEVELS = ("DEBUG", "INFO", "WARN", "ERROR")
COLOURS = {"DEBUG": "\x1b[2m", "INFO": "", "WARN": "\x1b[33m", "ERROR": "\x1b[1;31m"}
RESETS = ("power_on", "brownout", "watchdog", "hard", "soft")


class Recorder:
    """TRACE lines as a trace-v1 file: the header from the boot banner and the host clock;
    a bench's restart becomes a `reset` record, and times run on across it."""

    def __init__(self, path: str, clock: Callable[[], datetime]):
        self.path = path
        self.clock = clock
        self.file: TextIO | None = None
        self.bench = "UNKNOWN"
        self.board: str | None = None
        self.offset = 0.0  # added to the bench's uptime so that t never goes back
        self.last = 0.0
        self.started: datetime | None = None
        self.records = 0
        self.skipped = 0
        self.pending_reset: str | None = None

    def banner(self, bench: str, board: str, cause: str) -> None:
        if self.file is None:
            self.bench, self.board = bench, board
        else:
            self.pending_reset = cause if cause in RESETS else "hard"

    def named(self, bench: str, board: str) -> None:
        """The bench said who it is (`status`), without restarting."""
        if self.file is None:
            self.bench, self.board = bench, board

    def trace(self, text: str) -> bool:
        """One TRACE line; False (and counted in `skipped`) if it cannot be a valid trace-v1
        record — not JSON, no finite t, a channel that is not a number: the file stays one that
        `benchctl replay` accepts."""
        try:
            record = json.loads(text)
        except ValueError:
            record = None
        if record_problem(record) is not None:
            self.skipped += 1
            return False
        t = float(record["t"])
        now = self.clock()
        if self.file is None:
            self.started = now - timedelta(seconds=t)
            head = {"format": "bench-trace", "version": 1, "bench": self.bench, "start":
                    self.started.strftime("%Y-%m-%dT%H:%M:%SZ"), "source": "recorded",
                    "note": "benchctl console --record"}
            if self.board:
                head["board"] = self.board
            self.file = open(self.path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115 - closed by close()
            self.file.write(json.dumps(head) + "\n")
        assert self.started is not None
        if self.pending_reset is not None or t + self.offset < self.last:
            # The bench restarted: its uptime began again. Carry on from the host's clock.
            elapsed = (now - self.started).total_seconds()
            self.offset = max(self.last - t, elapsed - t)
            self.file.write(json.dumps({"t": round(t + self.offset, 3),
                                        "reset": self.pending_reset or "hard"}) + "\n")
            self.pending_reset = None
        record["t"] = round(t + self.offset, 3)
        self.last = record["t"]
        self.file.write(json.dumps(record, separators=(",", ":")) + "\n")
        self.records += 1
        return True

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


class Console:
    def __init__(self, out: TextIO, level: str = "DEBUG", topic: str | None = None, stamps: bool = False,
                 colour: bool = False, recorder: Recorder | None = None, show_trace: bool = True):
        self.out = out
        self.level = LEVELS.index(level.upper())
        self.topic = topic
        self.stamps = stamps
        self.colour = colour
        self.recorder = recorder
        self.show_trace = show_trace
        self.lines = 0
        self.to_send: list[str] = []  # commands the console itself types (run() sends them)

    def line(self, text: str) -> None:
        """One line from the bench: record, filter, colour, print."""
        self.lines += 1
        banner = BANNER.match(text)
        if banner and self.recorder is not None:
            self.recorder.banner(banner.group(1), banner.group(3), banner.group(5))
            self.to_send.append("trace on")  # a restarted bench has tracing off again
        status = STATUS.match(text)
        if status and self.recorder is not None:
            self.recorder.named(status.group(1), status.group(3))
        if text.startswith("TRACE "):
            if self.recorder is not None:
                self.recorder.trace(text[6:])
            if not self.show_trace:
                return
        m = LINE.match(text)
        level = m.group(1).strip() if m else None
        if level is not None:
            if LEVELS.index(level) < self.level or (self.topic is not None and m.group(2) != self.topic):
                return
        elif self.topic is not None:
            return  # command output and banners carry no topic
        if self.stamps:
            text = datetime.now(UTC).strftime("%H:%M:%S.%f")[:-3] + " " + text
        if self.colour and level is not None and COLOURS[level]:
            text = COLOURS[level] + text + "\x1b[0m"
        self.out.write(text + "\n")
        self.out.flush()


def run(url: str, console: Console, baud: int = 115200, send: list[str] | None = None, seconds: float | None = None,
        opener: Callable[..., Any] | None = None, stdin: TextIO | None = None, err: TextIO | None = None,
        wait: bool = False) -> int:
    """Read until `seconds` passed (or Ctrl-C). A port that cannot be opened at the start is an
    error (2) unless `wait`; one that fails later is waited for and opened again."""
    opener = opener or (lambda u, b: open_port(u, b))
    err = err or sys.stderr
    claim = Claim(url, "a benchctl console")
    try:
        claim.__enter__()  # held for the whole session: a flash started meanwhile finds the port busy
    except PortError as e:
        err.write(f"benchctl console: {e}\n")
        return 2
    try:
        return _session(url, console, baud, send, seconds, opener, stdin, err, wait)
    finally:
        claim.__exit__()


def _session(url, console, baud, send, seconds, opener, stdin, err, wait) -> int:
    end = None if seconds is None else time.monotonic() + seconds
    # A recording names its bench (a bench already running is asked who it is) and turns
    # tracing on.
    pending = (["status", "trace on"] if console.recorder is not None else []) + \
        [c for c in send or [] if console.recorder is None or c != "trace on"]
    port = None
    told = False
    connected_once = False
    buffer = b""
    typed: list[str] = []
    if stdin is not None:
        threading.Thread(target=lambda: typed.extend(iter(stdin.readline, "")), daemon=True).start()
    try:
        while end is None or time.monotonic() < end:
            if port is None:
                try:
                    port = opener(url, baud)
                except (serial.SerialException, OSError) as e:
                    if not connected_once and not wait:
                        err.write(f"benchctl console: {e}; give --wait to wait for it\n")
                        return 2
                    if not told:
                        err.write(f"benchctl console: {e}; waiting for it (Ctrl-C to stop)\n")
                        told = True
                    time.sleep(0.5)
                    continue
                if told:
                    err.write(f"benchctl console: {url} is back\n")
                elif not connected_once:
                    err.write(f"benchctl console: connected to {url} at {baud} baud; Ctrl-C quits\n")
                told = False
                connected_once = True
            try:
                pending += console.to_send
                console.to_send.clear()
                while pending or typed:
                    command = (pending or typed).pop(0).rstrip("\r\n")
                    port.write(command.encode() + b"\r\n")
                data = port.read(256)
            except (serial.SerialException, OSError) as e:
                err.write(f"benchctl console: {url} went away ({e}); waiting for it to come back\n")
                told = True
                with contextlib.suppress(serial.SerialException, OSError):
                    port.close()
                port = None
                continue
            buffer += data
            while b"\n" in buffer:
                raw, buffer = buffer.split(b"\n", 1)
                console.line(raw.decode("utf-8", "replace").rstrip("\r"))
    except KeyboardInterrupt:
        pass
    finally:
        if port is not None:
            port.close()
        if console.recorder is not None:
            console.recorder.close()
    return 0
