"""No sensor value, timing or event sequence raises out of the loop; long runs cross the
2**30 ms ticks wrap; energy and session counts balance."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchctl.replay import replay
from conftest import write_trace

volts = st.none() | st.floats(-5, 60, allow_nan=False)
amps = st.none() | st.floats(-50, 50, allow_nan=False)
temps = st.none() | st.floats(-60, 90, allow_nan=False)
channel = st.fixed_dictionaries({}, optional={
    "solar_v": volts, "solar_a": amps, "batt_v": volts, "batt_a": amps, "batt_c": temps, "air_c": temps,
    "port1_a": amps, "port2_a": amps, "port3_a": st.none() | st.floats(0, 5), "port1_v": volts,
    "pir": st.none() | st.integers(0, 1), "radar_cm": st.none() | st.integers(0, 2000), "seat": st.integers(0, 1)})
event = st.one_of(
    st.fixed_dictionaries({"fault": st.fixed_dictionaries({
        "sensor": st.sampled_from(["solar", "battery", "port1", "port2", "port3", "occupancy", "radio"]),
        "kind": st.sampled_from(["nack", "stuck", "garbage"]), "for_s": st.integers(0, 3000)})}),
    st.fixed_dictionaries({"reset": st.sampled_from(["power_on", "brownout", "watchdog", "hard", "soft"]),
                           "torn_write": st.just(True)}),
    st.fixed_dictionaries({"console": st.text(max_size=30)}),
    st.fixed_dictionaries({"link": st.sampled_from(["up", "down"])}),
    st.just({}),
)
step = st.tuples(st.floats(0, 900, allow_nan=False), channel, event)


@pytest.mark.fuzz
@settings(max_examples=40)
@given(st.lists(step, min_size=1, max_size=25))
def test_no_reading_or_event_sequence_raises_out_of_the_loop(tmp_path_factory, steps):
    t = 0.0
    records = []
    for dt, channels, ev in steps:
        t += dt
        records.append({"t": round(t, 3), **channels, **ev})
    trace = write_trace(tmp_path_factory.mktemp("r") / "t.jsonl", records)
    summary = replay(str(trace), None).summary  # raises FirmwareFailed if the loop caught anything
    r = summary["reports"]
    assert r["generated"] == r["delivered"] + r["queued"] + r["dropped"]
    assert summary["charge_sessions"] == sum(summary["charge_sessions_by_port"].values())
    assert summary["occupied_s"] <= summary["duration_s"]


def test_a_month_crosses_the_ticks_wrap_without_losing_time(tmp_path):
    # ticks_ms wraps every 2**30 ms (12.4 days); a 30-day replay crosses it twice.
    day = 86400
    records = [{"t": 0, "solar_v": 18.0, "solar_a": 0.0, "batt_v": 13.1, "batt_a": -0.05, "batt_c": 10.0,
                "air_c": 8.0, "port1_a": 0.0, "port2_a": 0.0, "port3_a": 0.0, "pir": 0, "radar_cm": None}]
    for d in range(30):
        noon = d * day + 12 * 3600
        records += [{"t": noon, "solar_a": 3.0, "batt_a": 2.0, "radar_cm": 70, "port2_a": 1.0, "pir": 1},
                    {"t": noon + 2, "pir": 0},  # sitting down is motion: the PIR wakes the radar
                    {"t": noon + 1800, "radar_cm": None, "port2_a": 0.0},
                    {"t": noon + 3600, "solar_a": 0.0, "batt_a": -0.05}]
    records.append({"t": 30 * day, "console": "status"})
    result = replay(str(write_trace(tmp_path / "month.jsonl", records)), str(tmp_path / "out"))
    s = result.summary
    assert s["sit_sessions"] == 30 and s["charge_sessions"] == 30
    assert abs(s["occupied_s"] - 30 * 1800) <= 30 * 20
    assert s["reports"]["generated"] == 30 * 96
    console = (tmp_path / "out" / "console.log").read_text()
    assert "up 30d 00:00:00 boot 1" in console


def test_port_energy_is_what_the_phones_drew(tmp_path):
    # One phone at 1.0 A, 5.0 V for an hour: 5 Wh, to the LSB and the sample grid.
    records = [{"t": 0, "batt_v": 13.1, "batt_a": 0.0, "port1_a": 0.0, "port2_a": 0.0, "port3_a": 0.0},
               {"t": 1000, "port1_a": 1.0, "port1_v": 5.0}, {"t": 4600, "port1_a": 0.0}, {"t": 5000}]
    summary = replay(str(write_trace(tmp_path / "t.jsonl", records)), None).summary
    assert abs(summary["port_energy_wh"] - 5.0) <= 0.02
    assert summary["charge_sessions"] == 1


def test_summary_json_is_stable_for_a_seed(tmp_path):
    trace = write_trace(tmp_path / "t.jsonl", [{"t": 0, "batt_v": 13.0, "batt_a": 0.0}, {"t": 100,
                        "fault": {"sensor": "battery", "kind": "garbage", "for_s": 50}}, {"t": 500}])
    replay(str(trace), str(tmp_path / "a"))
    replay(str(trace), str(tmp_path / "b"))
    assert (tmp_path / "a" / "console.log").read_bytes() == (tmp_path / "b" / "console.log").read_bytes()
    assert json.loads((tmp_path / "a" / "summary.json").read_text())["duration_s"] == 500
