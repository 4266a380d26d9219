"""The main loop: a tick that raises is logged on one line and the loop goes on; a loop that
keeps failing stops feeding the watchdog, which resets the MCU; a reboot ends the loop."""

import pytest

from bench import loop
from bench.config import Config
from bench.sensors import Sensors
from benchctl.replay import FirmwareFailed, replay
from benchctl.sim.runner import replay as run_world
from conftest import Lines, board, write_trace

TAPE = [(0, {"batt_v": 13_100_000, "batt_a": 0, "pir": 0}, None), (600_000, None, None)]


def failing_after(seconds):
    real = Sensors.read

    def read(self):
        if self.log.uptime_ms >= seconds * 1000:
            raise ZeroDivisionError("division by zero")
        return real(self)

    return read


def test_a_failing_tick_is_one_error_line_and_the_watchdog_resets_a_stuck_loop(monkeypatch):
    monkeypatch.setattr(Sensors, "read", failing_after(100))
    console = Lines()
    totals = run_world(board(), iter(TAPE), Config().v, None, "SM-T", console)
    errors = console.matching("ERROR loop: ZeroDivisionError: division by zero; carrying on")
    assert errors and totals["crashes"] == len(errors)
    # three failures in a row: no more feeding; esp32 board watchdog 30 s -> reset
    assert totals["resets"].get("watchdog", 0) >= 1
    assert console.matching("boot 2 reset watchdog")
    assert "Traceback" not in console.text()


def test_replay_reports_a_firmware_that_raised_as_a_failure(monkeypatch, tmp_path):
    monkeypatch.setattr(Sensors, "read", failing_after(50))
    trace = write_trace(tmp_path / "t.jsonl", [{"t": 0, "batt_v": 13.1}, {"t": 200}])
    with pytest.raises(FirmwareFailed, match=r"first: .*ERROR loop: ZeroDivisionError"):
        replay(str(trace), str(tmp_path / "out"))
    assert "ERROR loop" in (tmp_path / "out" / "console.log").read_text()


class Watchdog:
    def __init__(self):
        self.feeds = 0

    def feed(self):
        self.feeds += 1


class Bench:
    """Just enough of a bench for the loop: ticks `n` times, then asks for a reboot."""

    def __init__(self, n, fail=()):
        self.n, self.fail, self.ticks, self.crashes_in_row = n, set(fail), 0, 0
        self.reboot_requested = False

    def tick(self, now):
        self.ticks += 1
        if self.ticks >= self.n:
            self.reboot_requested = True
        if self.ticks in self.fail:
            raise ValueError("boom")
        self.crashes_in_row = 0
        return 60_000

    def crashed(self, err):
        self.crashes_in_row += 1

    def healthy(self):
        return self.crashes_in_row < 3


def test_sleep_is_sliced_inside_the_watchdog_period_and_fed_only_while_healthy():
    bench, dog, sleeps = Bench(8, fail={3, 4, 5, 6}), Watchdog(), []
    loop.run(bench, lambda: 0, sleeps.append, dog, 4000)
    assert bench.ticks == 8
    assert all(s <= 4000 for s in sleeps)
    assert dog.feeds == 8 - 2  # ticks 5 and 6 are the third and fourth failure in a row
