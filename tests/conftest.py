"""Shared set-up: the firmware (and MicroPython's `micropython` shim) on sys.path, and small
builders for a bench on simulated hardware."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "host_tools" / "benchctl" / "shim"))
sys.path.insert(0, str(ROOT / "firmware"))
sys.path.insert(0, str(ROOT / "host_tools"))

# No deadlines and no speed health checks: these machines are shared and their timing is noise.
# `make fuzz`-style longer runs can set HYPOTHESIS_PROFILE=long.
settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", parent=settings.get_profile("default"), max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_configure(config):
    config.addinivalue_line("markers", "fuzz: a property test over input the world can reach (make fuzz runs "
                                       "them longer)")
    config.addinivalue_line("markers", "board_heap: waits for the boards' 30-day RAM ceilings, which run on the "
                                       "second core beside the other tests (benchctl/figures/board_heap.py)")


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected what they do
def pytest_collection_modifyitems(config, items):
    """The boards' RAM ceilings take minutes of one core (30 days of each board's firmware under
    the 32-bit MicroPython), and the tests use one: the check starts as soon as the tests are
    collected, as its own process, and the tests that read it run last."""
    waiting = [item for item in items if item.get_closest_marker("board_heap")]
    if not waiting:
        return
    items[:] = [item for item in items if item not in waiting] + waiting
    from benchctl.figures.board_ram import I386, interpreter_32bit

    if interpreter_32bit() is None:
        config.board_heap = f"{I386} is absent"
        return
    import subprocess

    out = ROOT / "build" / "board-heap" / "check.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    log = open(out.with_suffix(".log"), "w")  # noqa: SIM115 - open while the process runs
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(str(ROOT / p) for p in ("host_tools", "firmware",
                                                                            "host_tools/benchctl/shim")))
    proc = subprocess.Popen([sys.executable, "-m", "benchctl.figures.board_heap", "--out", str(out)], stdout=log,
                            stderr=subprocess.STDOUT, env=env, cwd=ROOT, start_new_session=True)
    config.board_heap = (proc, out, log)


def pytest_unconfigure(config):
    # A run stopped early (-x, Ctrl-C) never reads the check: it must not outlive the tests.
    started = getattr(config, "board_heap", None)
    if isinstance(started, tuple) and started[0].poll() is None:
        import signal

        os.killpg(started[0].pid, signal.SIGKILL)  # the check and the interpreter it runs
        started[0].wait()


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

    def set_aside(self, name):
        if name in self.files:
            self.files[name + ".bad"] = self.files.pop(name)


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


BASE = {"solar_v": 18_000_000, "solar_a": 1_000_000, "batt_v": 13_200_000, "batt_a": 500_000,
        "batt_c": 15_000, "air_c": 12_000, "port1_a": 0, "port2_a": 0, "port3_a": 0, "pir": 0, "radar_cm": None}


class SimBench:
    """A bench on the simulated board, ticked by hand: `tick(seconds)` advances the world."""

    def __init__(self, files: dict[str, bytes] | None = None, channels: dict | None = None):
        from bench.bench import Bench
        from bench.config import Config
        from benchctl.sim.world import World

        self.console = Lines()
        self.world = World(board(), [(0, dict(BASE, **(channels or {})), None)], Config().v)
        for name, data in (files or {}).items():
            self.world.flash.write(name, data)
        self.world.settle()
        self.hw = self.world.hardware("SM-T", "power_on", self.console)
        self.bench = Bench(self.hw, self.world.clock())
        self.world.console = self.bench.console_input
        self.bench.tick(self.world.clock())  # the first sample, at t = 0

    def tick(self, seconds: float = 0) -> None:
        self.world.move_to(self.world.now + int(seconds * 1000))
        self.bench.tick(self.world.clock())

    def type(self, line: str) -> list[str]:
        start = len(self.console.lines)
        self.bench.console_input(line)
        self.bench.tick(self.world.clock())
        return self.console.lines[start:]


@pytest.fixture
def sim() -> SimBench:
    return SimBench()


@pytest.fixture
def bench_board(tmp_path):
    """A virtual board whose chips play the demo trace at 100 times real time: flashed with
    --board virtual it boots a bench."""
    from benchctl.virtual.board import VirtualBoard
    from benchctl.virtual.surroundings import prepare

    prepare(tmp_path / "surroundings", TRACES / "park-summer-day.jsonl", speed=100)
    with VirtualBoard(tmp_path / "flash", tmp_path / "surroundings") as b:
        yield b


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mosquitto(folder: Path, settings: str = "allow_anonymous true\n"):
    """A real Mosquitto on a loopback port with `settings` after its listener line; yields the
    port once it accepts connections. Started as root, Mosquitto would become the mosquitto user
    and could not read files in the test's private folder, so it stays root."""
    import shutil
    import socket
    import subprocess
    import time

    exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    assert os.path.exists(exe), "Mosquitto is needed (make setup installs Debian's mosquitto)"
    port = free_port()
    conf = folder / "mosquitto.conf"
    user = "user root\n" if os.geteuid() == 0 else ""
    conf.write_text(f"listener {port} 127.0.0.1\n{settings}persistence false\n{user}")
    proc = subprocess.Popen([exe, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)
