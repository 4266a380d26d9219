"""Shared set-up: the firmware (and MicroPython's `micropython` shim) on sys.path, and small
builders for a bench on simulated hardware."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "host_tools" / "benchctl" / "shim"))
sys.path.insert(0, str(ROOT / "firmware"))
sys.path.insert(0, str(ROOT / "host_tools"))

TRACES = ROOT / "tests" / "traces"
BUNDLED = sorted(TRACES.glob("*.jsonl"))


class Lines:
    """A console: collects what the firmware prints."""

    def __init__(self):
        self.lines: list[str] = []

    def __call__(self, line: str) -> None:
        self.lines.append(line)

    def text(self) -> str:
        return "\n".join(self.lines)

    def matching(self, part: str) -> list[str]:
        return [line for line in self.lines if part in line]


class Store:
    """Flash as the firmware sees it: read(name) / write(name, data)."""

    def __init__(self, files: dict[str, bytes] | None = None):
        self.files = dict(files or {})

    def read(self, name):
        return self.files.get(name)

    def write(self, name, data):
        self.files[name] = bytes(data)


@pytest.fixture
def lines() -> Lines:
    return Lines()


def board(name: str = "esp32-rak3172") -> dict:
    return json.loads((ROOT / "boards" / name / "board.json").read_text())


def write_trace(path: Path, records: list[dict], header: dict | None = None) -> Path:
    head = {"format": "bench-trace", "version": 1, "bench": "SM-T", "start": "2026-06-21T00:00:00Z"}
    head.update(header or {})
    path.write_text("\n".join(json.dumps(r) for r in [head, *records]) + "\n")
    return path
