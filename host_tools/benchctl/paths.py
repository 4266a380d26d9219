"""Where the checkout's parts are: benchctl runs the firmware from the same tree it ships in."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIRMWARE = REPO / "firmware"
BOARDS = REPO / "boards"
HOST = REPO / "host_tools"
SHIM = HOST / "benchctl" / "shim"
DEMO_TRACE = REPO / "tests" / "traces" / "park-summer-day.jsonl"  # what `make demo` replays


def firmware_on_path() -> None:
    """Make `import bench`, `import drivers` and MicroPython's `micropython` importable."""
    for path in (str(SHIM), str(FIRMWARE)):
        if path not in sys.path:
            sys.path.insert(0, path)
