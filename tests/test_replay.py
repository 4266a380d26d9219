"""`benchctl replay` as replay-v1.md promises it: outputs, exit codes, resets, faults, and what
the bundled park days print. Their counts are held to their scenarios' expectations
(tests/traces/NAME.expect.json) by the pytest plugin: `make pytest` runs
`pytest tests --bench-traces tests/traces`."""

import json
import subprocess
import sys

import pytest

from benchctl.cli import main
from benchctl.replay import replay
from conftest import BUNDLED, ROOT, TRACES, write_trace

UPLINK_KEYS = {"t", "transport", "fport", "topic", "payload_hex", "airtime_s", "delivered"}
SUMMARY_KEYS = {"bench", "duration_s", "uplinks", "uplink_bytes", "airtime_s", "max_airtime_24h_s", "reports",
                "sit_sessions", "occupied_s", "charge_sessions", "charge_sessions_by_port", "port_energy_wh",
                "resets", "downlinks"}
BASE = {"solar_v": 18.0, "solar_a": 1.0, "batt_v": 13.2, "batt_a": 0.5, "batt_c": 15.0, "air_c": 12.0,
        "port1_a": 0.0, "port2_a": 0.0, "port3_a": 0.0, "pir": 0, "radar_cm": None}


def run(tmp_path, records, header=None, **kw):
    trace = write_trace(tmp_path / "t.jsonl", records, header)
    return replay(str(trace), str(tmp_path / "out"), **kw)


def test_replay_writes_the_three_files_with_every_summary_key(tmp_path):
    result = run(tmp_path, [{"t": 0, **BASE}, {"t": 3600}])
    out = tmp_path / "out"
    assert (out / "console.log").read_text().startswith("bench SM-T firmware 0.1.0 board esp32-rak3172 boot 1")
    uplinks = [json.loads(line) for line in (out / "uplinks.jsonl").read_text().splitlines()]
    assert [u["fport"] for u in uplinks] == [2, 1, 1, 1]  # the boot event, then a report each 900 s
    assert all(set(u) == UPLINK_KEYS and u["transport"] == "lorawan" and u["topic"] is None and u["delivered"]
               for u in uplinks)
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary) >= SUMMARY_KEYS
    assert summary["duration_s"] == 3600 and summary["bench"] == "SM-T"
    assert summary["uplinks"] == 4 and summary["uplink_bytes"] == 7 + 3 * 12
    assert summary["airtime_s"] == round(sum(u["airtime_s"] for u in uplinks), 3) == summary["max_airtime_24h_s"]
    r = summary["reports"]
    # The fourth report, made at 3600 s, waits its random 0..30 s delay when the trace ends.
    assert r == {"generated": 4, "delivered": 3, "queued": 1, "dropped": 0}
    assert summary == result.summary


@pytest.mark.parametrize("trace", BUNDLED, ids=lambda p: p.stem)
def test_bundled_days_run_clean_and_say_why_they_shed(tmp_path, trace):
    assert (TRACES / f"{trace.stem}.expect.json").exists(), "every bundled day has its expectation"
    summary = replay(str(trace), str(tmp_path / "out")).summary
    console = (tmp_path / "out" / "console.log").read_text()
    if "winter" in trace.stem:
        # Midwinter, a first boot with a low charge read off the flat voltage curve: the budget
        # keeps the ports for the reserve, and says so.
        assert "policy: qi-off -> lean: reserve" in console and "short of it" in console
    else:
        assert summary["port_energy_wh"] > 0
    assert "Traceback" not in console and "ERROR loop" not in console


def test_autumn_day_brownout_restarts_with_flash_kept_and_console_errors_answered(tmp_path):
    summary = replay(str(TRACES / "park-autumn-rain.jsonl"), str(tmp_path / "out")).summary
    console = (tmp_path / "out" / "console.log").read_text().splitlines()
    assert summary["resets"] == {"brownout": 1}
    assert "bench SM-002 firmware 0.1.0 board esp32-rak3172 boot 2 reset brownout" in console
    assert "error: port must be 1..3, got 7" in console
    assert "error: radar_max_cm must be 30..600 cm, got 5" in console
    assert "config radar_max_cm = 160 (saved)" in console
    assert "error: unknown command 'flibble' (try 'help')" in console


def test_reset_keeps_flash_and_loses_ram(tmp_path):
    records = [{"t": 0, **BASE}, {"t": 100, "console": "config set radar_max_cm 99"},
               {"t": 200, "console": "port 1 off"}, {"t": 300, "reset": "watchdog"},
               {"t": 400, "console": "config get radar_max_cm"}, {"t": 401, "console": "ports"}, {"t": 500}]
    run(tmp_path, records)
    console = (tmp_path / "out" / "console.log").read_text()
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["resets"] == {"watchdog": 1}
    assert "boot 2 reset watchdog" in console
    assert "radar_max_cm = 99" in console  # config is on flash
    assert "port 1 auto on" in console  # a forced mode lives in RAM only


def test_reboot_command_is_a_soft_reset(tmp_path):
    run(tmp_path, [{"t": 0, **BASE}, {"t": 50, "console": "reboot"}, {"t": 100}])
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["resets"] == {"soft": 1}


def test_a_torn_write_leaves_the_previous_file(tmp_path):
    records = [{"t": 0, **BASE}, {"t": 10, "console": "config set radar_max_cm 99"},
               {"t": 20, "console": "config set radar_max_cm 120"}, {"t": 20.5, "reset": "brownout", "torn_write": True},
               {"t": 30, "console": "config get radar_max_cm"}, {"t": 40}]
    run(tmp_path, records)
    assert "radar_max_cm = 99  (" in (tmp_path / "out" / "console.log").read_text()


def test_sensor_faults_are_logged_flagged_and_recovered(tmp_path):
    records = [{"t": 0, **BASE},
               {"t": 100, "fault": {"sensor": "battery", "kind": "nack", "for_s": 60}},
               {"t": 300, "fault": {"sensor": "solar", "kind": "garbage", "for_s": 30}},
               {"t": 500, "fault": {"sensor": "occupancy", "kind": "nack", "for_s": 60}},
               {"t": 700, "fault": {"sensor": "port2", "kind": "stuck", "for_s": 60}},
               {"t": 1000}]
    run(tmp_path, records)
    console = (tmp_path / "out" / "console.log").read_text()
    assert "WARN  sensors: battery monitor not answering: no answer (ENODEV)" in console
    assert "INFO  sensors: battery monitor answering again" in console
    assert "WARN  sensors: radar not answering: no frames" in console
    assert "ERROR loop" not in console


def test_a_port_fault_in_a_trace_switches_the_port_off_and_retries(tmp_path):
    records = [{"t": 0, **BASE}, {"t": 100, "port1_a": 3.1}, {"t": 200, "port1_a": 0.0}, {"t": 1000}]
    run(tmp_path, records)
    console = (tmp_path / "out" / "console.log").read_text()
    assert "WARN  ports: port 1: over-current at 3100 mA; off, retry in 300 s" in console
    assert "INFO  ports: port 1: retrying after over-current" in console


def test_a_bad_trace_exits_2_naming_file_and_line_and_writes_nothing(tmp_path, capsys):
    trace = write_trace(tmp_path / "bad.jsonl", [{"t": 0, **BASE}, {"t": 10}, {"t": 5}])
    out = tmp_path / "out"
    assert main(["replay", str(trace), "--out", str(out)]) == 2
    assert f"{trace}:4: t goes backwards (5 after 10)" in capsys.readouterr().err
    assert not out.exists()


def test_bad_arguments_exit_2(tmp_path, capsys):
    trace = write_trace(tmp_path / "t.jsonl", [{"t": 0}])
    assert main(["replay", str(trace), "--board", "toaster"]) == 2
    assert "unknown board 'toaster'" in capsys.readouterr().err
    cfg = tmp_path / "c.json"
    cfg.write_text('{"report_interval_s": 5}')
    assert main(["replay", str(trace), "--config", str(cfg)]) == 2
    assert "report_interval_s must be 60..86400 s, got 5" in capsys.readouterr().err
    assert main(["replay", str(tmp_path / "missing.jsonl")]) == 2


def test_config_file_overrides_the_trace_header(tmp_path):
    cfg = tmp_path / "c.json"
    cfg.write_text('{"report_interval_s": 600}')
    trace = write_trace(tmp_path / "t.jsonl", [{"t": 0, **BASE}, {"t": 3600}], {"config": {"report_interval_s": 1200}})
    assert replay(str(trace), None, config_file=str(cfg)).summary["reports"]["generated"] == 6


def test_the_command_line_prints_a_summary(tmp_path):
    trace = TRACES / "park-summer-day.jsonl"
    proc = subprocess.run([sys.executable, "-m", "benchctl.cli", "replay", str(trace), "--out", str(tmp_path)],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "sitting   11 sessions" in proc.stdout
    assert "charging  6 sessions (port 1: 2, port 2: 2, port 3: 2)" in proc.stdout


def test_progress_is_reported_in_order_up_to_the_whole_file(tmp_path):
    seen = []
    replay(str(TRACES / "park-summer-day.jsonl"), None, progress=lambda share, t: seen.append((share, t)))
    assert seen[-1] == (1.0, 86_400_000)
    assert [s for s, _ in seen] == sorted(s for s, _ in seen)


def test_a_stuck_seat_sensor_is_flagged_in_the_one_report_after_it(tmp_path):
    records = [{"t": 0, **BASE, "radar_cm": 60}, {"t": 5 * 3600, "radar_cm": None}, {"t": 8 * 3600}]
    run(tmp_path, records)
    reports = [x for x in (tmp_path / "out" / "console.log").read_text().splitlines() if "report: #" in x]
    flagged = [x for x in reports if x.endswith("faults 0x40")]
    # the radar's first frame comes at 10 s, so the sitting is closed at 4 h 10 s: report #17
    assert len(flagged) == 1 and "#17 " in flagged[0]
    assert reports[-1].endswith("faults 0x00")


def test_a_stuck_port_monitor_shows_current_on_a_switched_off_port_which_is_a_fault(tmp_path):
    records = [{"t": 0, **BASE}, {"t": 50, "port1_a": 1.0},
               {"t": 100, "fault": {"sensor": "port1", "kind": "stuck", "for_s": 600}},
               {"t": 200, "console": "port 1 off"}, {"t": 1000}]
    run(tmp_path, records)
    console = (tmp_path / "out" / "console.log").read_text()
    assert "WARN  ports: port 1: current while off at 1000 mA; off, retry in 300 s" in console


def test_a_bench_without_temperature_sensors_says_so_once(tmp_path):
    records = [{"t": 0, **{k: v for k, v in BASE.items() if k not in ("batt_c", "air_c")}}, {"t": 3 * 3600}]
    run(tmp_path, records)
    console = (tmp_path / "out" / "console.log").read_text()
    assert console.count("no DS18B20 on the 1-Wire bus") == 1
    assert "DS18B20: battery" not in console


def test_reports_wait_on_flash_across_resets(tmp_path):
    records = [{"t": 0, "link": "down", **BASE}, {"t": 4000, "reset": "brownout"}, {"t": 8000, "reset": "watchdog"},
               {"t": 9000}]
    summary = run(tmp_path, records).summary
    r = summary["reports"]
    assert r["generated"] == 4 + 4 + 1  # 900 s reports in each life: 0-4000, 0-4000, 0-1000
    assert r["queued"] == r["generated"] and r["dropped"] == 0


def test_a_power_cut_during_a_report_write_spoils_at_most_that_report_and_says_so(tmp_path):
    # Ten lives, each cut by a torn write just after its first report: the cut lands at a
    # random byte of the 64-byte slot, so some reports survive it and some do not.
    records = [{"t": 0, "link": "down", **BASE}]
    for life in range(10):
        records.append({"t": round((life + 1) * 900.001, 3), "reset": "brownout", "torn_write": True})
    records.append({"t": 9100})
    r = run(tmp_path, records).summary["reports"]
    console = (tmp_path / "out" / "console.log").read_text()
    spoilt = console.count("WARN  bench: 1 queued frame(s) spoilt by a power cut")
    assert r["generated"] == 10
    assert 1 <= spoilt <= 10 and r["dropped"] == spoilt and r["queued"] == 10 - spoilt


def test_a_fault_in_benchctls_own_uplink_log_is_not_blamed_on_the_firmware(tmp_path, monkeypatch):
    from benchctl.replay import HarnessFault
    from benchctl.replay.outputs import UplinkLog

    def broken(*args, **kwargs):
        raise ValueError("a bug in the host")

    monkeypatch.setattr(UplinkLog, "add", broken)
    with pytest.raises(HarnessFault, match="uplink log failed") as caught:
        run(tmp_path, [{"t": 0, **BASE}, {"t": 3600}])
    assert isinstance(caught.value.__cause__, ValueError)
