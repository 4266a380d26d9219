"""The last step of `benchctl flash`: restart the board so that it runs main.py, and wait for
the bench's boot banner with the firmware version and bench id that were just deployed."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import serial

from benchctl.console import BANNER
from benchctl.paths import FIRMWARE
from benchctl.ports import open_port

CANNOT_START = "bench cannot start:"


class BannerError(Exception):
    """The board did not come up as the bench it was flashed to be; says what it printed."""


def firmware_version() -> str:
    """The version the firmware's banner will print (firmware/bench/version.py)."""
    text = (FIRMWARE / "bench" / "version.py").read_text()
    found = re.search(r'^VERSION = "([^"]+)"', text, re.M)
    if not found:
        raise RuntimeError("firmware/bench/version.py has no VERSION = \"...\" line")
    return found.group(1)


def restart(port: Any) -> None:
    """Ctrl-C twice stops whatever runs, Ctrl-B leaves a raw REPL, Ctrl-D at the friendly REPL
    is a soft reset, after which MicroPython runs main.py (as after power-on)."""
    port.write(b"\r\x03\x03")
    time.sleep(0.2)
    port.write(b"\x02")
    time.sleep(0.2)
    port.reset_input_buffer()
    port.write(b"\x04")


def restart_any(device: str, timeout: float = 20.0) -> str:
    """Restart the board into whatever firmware it has and say what came up: its banner line,
    or why not. For after a failed flash, so that no bench is left stopped at a prompt."""
    try:
        port = open_port(device)
    except OSError as e:
        return f"the board could not be restarted ({e}): press its reset button"
    try:
        restart(port)
        end = time.monotonic() + timeout
        buffer = b""
        while time.monotonic() < end:
            buffer += port.read(512)
            for raw in buffer.split(b"\n"):
                line = raw.decode("utf-8", "replace").strip("\r\x00 ")
                if BANNER.match(line):
                    return f"the board was restarted and runs the files it has now ({line}); they may be part old " \
                           "and part new: flash it again"
                if line.startswith(CANNOT_START):
                    return f"the board was restarted but its firmware says: {line}: flash it again"
        return f"the board was restarted but printed no bench banner in {timeout:.0f} s: flash it again"
    except (serial.SerialException, OSError) as e:
        return f"the board could not be restarted ({e}): press its reset button"
    finally:
        port.close()


def await_banner(device: str, bench_id: str, version: str, timeout: float = 30.0,
                 opener: Callable[[str], Any] | None = None) -> str:
    """Restart the board and return its banner line; BannerError if it names another bench or
    version, says it cannot start, or nothing comes within `timeout` seconds."""
    opener = opener or (lambda url: open_port(url))
    try:
        port = opener(device)
    except (serial.SerialException, OSError) as e:
        raise BannerError(f"cannot watch the board boot: {e}") from None
    seen: list[str] = []
    try:
        restart(port)
        end = time.monotonic() + timeout
        buffer = b""
        crashed, error = False, ""
        while time.monotonic() < end:
            buffer += port.read(512)
            if crashed and buffer.endswith(b">>> "):
                raise BannerError(f"{device}: main.py stopped before the bench started ({error}); "
                                  f"`benchctl console {device}` shows the whole traceback")
            while b"\n" in buffer:
                raw, buffer = buffer.split(b"\n", 1)
                line = raw.decode("utf-8", "replace").strip("\r\x00 ")
                if not line:
                    continue
                seen = [*seen, line][-6:]
                if line.startswith(CANNOT_START):
                    raise BannerError(f"{device}: the firmware is on the board but says: {line}")
                if line.startswith("Traceback"):
                    crashed = True  # "File" lines, then what failed, then the REPL's prompt
                    continue
                if crashed and not error and not line.startswith("File "):
                    error = line
                found = BANNER.match(line)
                if found is None:
                    continue
                if found.group(1) != bench_id or found.group(2) != version:
                    raise BannerError(f"{device}: the board booted as bench {found.group(1)} firmware {found.group(2)}, "
                                      f"not {bench_id} {version}: flash it again; if it persists, erase the board")
                return line
    finally:
        port.close()
    last = "; ".join(seen) if seen else "nothing"
    raise BannerError(f"{device}: no boot banner within {timeout:.0f} s (it printed: {last}); "
                      f"`benchctl console {device}` shows what it does")
