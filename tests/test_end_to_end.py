"""End to end, as a technician and a field engineer meet a bench, against the virtual board:
`benchctl flash` deploys, provisions and verifies the firmware and waits for the boot banner;
`benchctl console` types a command and records the bench's TRACE lines; `benchctl replay` of
that recording finds the same sitting and charging sessions the bench itself reported."""

import io
import json
import re
from datetime import UTC, datetime

from benchctl.cli import main
from benchctl.console import Console, Recorder, run
from benchctl.replay import replay
from benchctl.replay.trace import check
from benchctl.virtual.board import VirtualBoard
from benchctl.virtual.surroundings import prepare
from conftest import write_trace

SPEED = 300  # trace seconds per real second: 10 s samples every 33 ms
QUIET_S = 1800  # nothing happens at first: time to flash, boot and start recording


def afternoon(tmp_path):
    """Half an hour of nothing, then two sittings and two phones, all over by 1 h 45 min."""
    base = {"t": 0, "solar_v": 18.0, "solar_a": 1.0, "batt_v": 13.2, "batt_a": 0.5, "batt_c": 15.0, "air_c": 12.0,
            "port1_a": 0.0, "port2_a": 0.0, "port3_a": 0.0, "pir": 0, "radar_cm": None}
    q = QUIET_S
    events = [{"t": q + 300, "pir": 1, "radar_cm": 60}, {"t": q + 420, "port2_a": 1.2},
              {"t": q + 900, "pir": 0}, {"t": q + 1500, "radar_cm": None}, {"t": q + 1700, "port2_a": 0.0},
              {"t": q + 2400, "pir": 1, "radar_cm": 75}, {"t": q + 2500, "port1_a": 0.9},
              {"t": q + 3000, "pir": 0}, {"t": q + 3600, "radar_cm": None}, {"t": q + 4200, "port1_a": 0.0},
              {"t": q + 5400, "batt_a": 0.4}]
    return write_trace(tmp_path / "afternoon.jsonl", [base, *events], {"bench": "SM-E2E", "board": "virtual"})


def test_flash_boot_console_record_and_replay_agree_on_the_sessions(tmp_path, capsys):
    prepare(tmp_path / "surroundings", afternoon(tmp_path), speed=SPEED)
    with VirtualBoard(tmp_path / "flash", tmp_path / "surroundings") as board:
        assert main(["flash", board.device, "--board", "virtual", "--bench", "SM-077"]) == 0
        flashed = capsys.readouterr().out
        assert "booted: bench SM-077 firmware 0.1.0 board virtual" in flashed

        recorder = Recorder(str(tmp_path / "recorded.jsonl"), lambda: datetime.now(UTC))
        shown = io.StringIO()
        run(board.device, Console(shown, recorder=recorder, show_trace=False), send=["trace on"],
            seconds=(QUIET_S + 5600) / SPEED - 2)
        asked = io.StringIO()
        run(board.device, Console(asked), send=["sessions"], seconds=2)

    answer = asked.getvalue()
    sittings = int(re.search(r"^sitting: (\d+) sessions", answer, re.M).group(1))
    charging = int(re.search(r"^charging: (\d+) sessions", answer, re.M).group(1))
    assert (sittings, charging) == (2, 2), answer

    check(tmp_path / "recorded.jsonl")
    header = json.loads((tmp_path / "recorded.jsonl").read_text().splitlines()[0])
    assert header["bench"] == "SM-077" and header["board"] == "virtual" and header["source"] == "recorded"
    assert recorder.records > 400  # a sample every 10 s for well over an hour
    replayed = replay(str(tmp_path / "recorded.jsonl"), str(tmp_path / "replayed")).summary
    assert (replayed["sit_sessions"], replayed["charge_sessions"]) == (sittings, charging)
    assert "error:" not in shown.getvalue()
