"""`trace on` makes the console a recorder: its TRACE lines, put behind a header, are a
trace-v1 file that replays to the same sittings and charging sessions."""

import json

from benchctl.replay import replay
from benchctl.replay.trace import check
from conftest import TRACES


def test_a_recorded_console_replays_to_the_same_sessions(tmp_path):
    day = (TRACES / "park-summer-day.jsonl").read_text().splitlines()
    header = json.loads(day[0])
    records = [json.loads(x) for x in day[1:]]
    records.insert(0, {"t": 0, "console": "trace on"})
    source = tmp_path / "day.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in [header, *records]) + "\n")
    first = replay(str(source), str(tmp_path / "first")).summary

    traced = [x[len("TRACE "):] for x in (tmp_path / "first" / "console.log").read_text().splitlines()
              if x.startswith("TRACE ")]
    assert len(traced) == 8641  # every 10 s sample of the day, t = 0 included
    recorded = tmp_path / "recorded.jsonl"
    head = {"format": "bench-trace", "version": 1, "bench": header["bench"], "start": header["start"],
            "source": "recorded"}
    recorded.write_text(json.dumps(head) + "\n" + "\n".join(traced) + "\n")
    check(recorded)
    second = replay(str(recorded), str(tmp_path / "second")).summary

    assert second["sit_sessions"] == first["sit_sessions"] == 11
    assert second["charge_sessions_by_port"] == first["charge_sessions_by_port"]
    assert abs(second["occupied_s"] - first["occupied_s"]) <= 10 * first["sit_sessions"]
    assert abs(second["port_energy_wh"] - first["port_energy_wh"]) <= 0.01 * first["port_energy_wh"]
