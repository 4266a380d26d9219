"""firmware/main.py, the board's entry point, run against the simulated board: it boots the
bench and runs its loop; a bench that cannot start says why and restarts."""

import contextlib
import runpy
import sys
import types

import pytest

from bench.config import Config
from benchctl.sim.world import End, World
from conftest import ROOT, Lines, board


def fake_board(hw):
    module = types.ModuleType("board")
    module.resets = 0
    module.hardware = lambda: hw

    def reset():
        module.resets += 1

    module.reset = reset
    return module


def run_main(monkeypatch, hw):
    module = fake_board(hw)
    monkeypatch.setitem(sys.modules, "board", module)
    with contextlib.suppress(End):
        runpy.run_path(str(ROOT / "firmware" / "main.py"), run_name="__main__")
    return module


def test_main_boots_the_bench_and_runs_its_loop_to_the_end_of_the_trace(monkeypatch):
    world = World(board(), [(0, {"batt_v": 13_100_000, "batt_a": 0}, None), (3_600_000, None, None)], Config().v)
    console = Lines()
    world.settle()
    hw = world.hardware("SM-M", "power_on", console)
    module = run_main(monkeypatch, hw)
    assert console.lines[0] == "bench SM-M firmware 0.1.0 board esp32-rak3172 boot 1 reset power_on"
    assert len(console.matching("INFO  report: #")) == 4
    assert module.resets == 0 and hw.bench is not None


def test_a_bench_that_cannot_start_says_why_and_restarts(monkeypatch):
    world = World(board(), [(0, None, None), (60_000, None, None)], Config().v)
    console = Lines()
    hw = world.hardware("SM-M", "power_on", console)
    hw.board = {"name": "broken", "ports": [{"chip": "ina3221"}]}  # a port monitor without an address
    module = run_main(monkeypatch, hw)
    assert module.resets == 1
    assert console.lines[-1].startswith("bench cannot start: KeyError: ")
    assert console.lines[-1].endswith("addr'; restarting in 5 s")


@pytest.fixture(autouse=True)
def _no_leftover_board():
    yield
    sys.modules.pop("board", None)
