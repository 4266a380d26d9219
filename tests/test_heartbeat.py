"""Hourly health metrics: a console line every hour with uptime, resets by cause, loop overruns,
sensor errors per sensor, radio troubles, queue depth and free heap; a health frame every hour
where it is cheap, never more than a tenth of the airtime budget, none while a backlog waits;
overruns counted by the loop."""

import json
import re

from bench.loop import run as loop_run
from benchctl.figures.reliability import health_frames
from benchctl.replay import replay
from conftest import write_trace

BASE = {"solar_v": 18.0, "solar_a": 1.0, "batt_v": 13.2, "batt_a": 0.5, "batt_c": 15.0, "air_c": 12.0,
        "port1_a": 0.0, "port2_a": 0.0, "port3_a": 0.0, "pir": 0, "radar_cm": None}


def test_every_hour_the_console_says_how_the_bench_is_and_a_frame_carries_it(tmp_path):
    records = [{"t": 0, **BASE}, {"t": 5400, "fault": {"sensor": "battery", "kind": "nack", "for_s": 60}},
               {"t": 9000, "reset": "brownout"}, {"t": 6 * 3600 + 600}]
    trace = write_trace(tmp_path / "t.jsonl", records)
    replay(str(trace), str(tmp_path / "out"))
    console = (tmp_path / "out" / "console.log").read_text()
    lines = re.findall(r"INFO  health: (up .*)", console)
    assert re.fullmatch(r"up 1 h, resets none, overruns 0, sensor errors none, radio troubles 0, queue \d+, "
                        r"heap \? free", lines[0])
    assert lines[1].startswith("up 2 h, resets none, overruns 0, sensor errors battery ")  # the fault's hour
    assert lines[2].startswith("up 1 h, resets brownout 1, overruns 0, sensor errors none")  # the second life
    assert len(lines) == 5  # 1 and 2 h of the first life (2.5 h), then 1..3 h of the second
    frames = health_frames(tmp_path / "out")
    assert [f["uptime_h"] for _, f in frames] == [1, 2, 1, 2, 3]
    assert frames[1][1]["sensor_errors"]["battery"] > 0
    assert frames[2][1]["resets"] == {"power_on": 0, "brownout": 1, "watchdog": 0, "hard": 0, "soft": 0}
    assert all(f["free_heap_kb"] is None and f["overruns"] == 0 for _, f in frames)


def test_health_frames_never_spend_more_than_a_tenth_of_the_days_airtime(tmp_path):
    for sf, hourly in ((7, True), (9, False), (12, False)):
        records = [{"t": 0, **BASE, "sf": sf}, {"t": 3 * 86400}]
        out = tmp_path / f"sf{sf}"
        replay(str(write_trace(tmp_path / f"sf{sf}.jsonl", records)), str(out))
        uplinks = [json.loads(x) for x in (out / "uplinks.jsonl").read_text().splitlines()]
        health = [u for u in uplinks if u["fport"] == 2 and u["payload_hex"].startswith("06")]
        assert health, sf
        for u in health:  # any 24 h: at most 3 s of the 30 s on health frames
            assert sum(v["airtime_s"] for v in health if 0 <= v["t"] - u["t"] < 86400) <= 3.0, sf
        assert (len(health_frames(out)) >= 60) == hourly, (sf, len(health_frames(out)))


def test_no_health_frame_joins_a_backlog(tmp_path):
    outage = [{"t": 0, **BASE}, {"t": 3600 + 1800, "link": "down"}, {"t": 86400, "link": "up"}, {"t": 86400 + 7200}]
    replay(str(write_trace(tmp_path / "o.jsonl", outage)), str(tmp_path / "outage"))
    console = (tmp_path / "outage" / "console.log").read_text()
    assert len(re.findall(r"INFO  health: up ", console)) == 26  # every hour of the 26 on the console
    made = [t for t, _ in health_frames(tmp_path / "outage")]
    assert made and all(t < 3600 + 1800 or t > 86400 for t in made)  # none queued behind the backlog


class SlowBench:
    """A bench whose every other tick blocks for two seconds (an I2C bus held low, say)."""

    def __init__(self, clock):
        self.clock = clock
        self.ticks = 0
        self.overruns = 0
        self.reboot_requested = False

    def tick(self, now):
        self.ticks += 1
        if self.ticks % 2 == 0:
            self.clock.now += 2000
        if self.ticks == 10:
            self.reboot_requested = True
        return 1000

    def overran(self):
        self.overruns += 1

    def healthy(self):
        return True

    def crashed(self, e):
        raise AssertionError(e)


class Clock:
    now = 0

    def __call__(self):
        return self.now


class Watchdog:
    def feed(self):
        pass


def test_a_tick_that_blocks_over_a_second_is_counted_as_an_overrun():
    clock = Clock()
    bench = SlowBench(clock)
    loop_run(bench, clock, lambda ms: setattr(clock, "now", clock.now + ms), Watchdog(), 15000)
    assert bench.overruns == 5
