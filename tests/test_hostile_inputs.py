"""Hostile inputs and ordinary faults, round two: valid traces never crash the replay on either
engine, every event of a record takes effect whatever its keys' order, and the bench never
dies of its own files or of what the network and the console send it."""

import json
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchctl.replay import replay
from conftest import BASE, write_trace

DAY = 86400
ENGINES = ["cpython", "micropython"]


def dark_night(tmp_path, extra):
    """A closed-loop bench whose battery runs out at night: dark from about 01:00."""
    records = [{"t": m * 60, "poa_wm2": 0.0, "air_c": 5.0, "port1_demand_a": 0.0} for m in range(0, 12 * 60, 10)]
    records += extra
    records.sort(key=lambda r: r["t"])
    return write_trace(tmp_path / "dark.jsonl", records, {"plant": {"initial_soc": 0.002, "battery_wh": 128}})


@pytest.mark.parametrize("engine", ENGINES)
def test_a_reset_while_the_bench_is_dark_changes_nothing(tmp_path, engine):
    extra = [{"t": 6 * 3600 + 5, "reset": "watchdog", "torn_write": True}, {"t": 7 * 3600 + 5, "reset": "soft"},
             {"t": 7 * 3600 + 6, "console": "status"}]
    result = replay(str(dark_night(tmp_path, extra)), str(tmp_path / "out"), engine=engine)
    assert result.summary["energy"]["brownouts"] >= 1
    assert "watchdog" not in result.summary["resets"] and "soft" not in result.summary["resets"]


@pytest.mark.parametrize("order", [["reset", "downlink", "console", "link", "fault"],
                                   ["console", "fault", "link", "downlink", "reset"]])
def test_every_event_of_a_record_takes_effect_whatever_its_keys_order(tmp_path, order):
    values = {"reset": "watchdog", "downlink": {"fport": 3, "hex": "0102"}, "console": "status",
              "link": "down", "fault": {"sensor": "port1", "kind": "nack", "for_s": 600}}
    record = {"t": 3600}
    for key in order:
        record[key] = values[key]
    trace = write_trace(tmp_path / "t.jsonl", [{"t": 0, **BASE}, record, {"t": 3605, **BASE}, {"t": 7200, **BASE}])
    result = replay(str(trace), str(tmp_path / "out"))
    console = (tmp_path / "out" / "console.log").read_text()
    assert result.summary["resets"] == {"watchdog": 1}
    after = console[console.index("reset watchdog"):]
    assert "\nbench SM-T fw" in after  # `status` typed at the reset's instant is read after it
    assert "sensor errors ports 0" not in after and "sensor errors ports" in after  # the fault
    uplinks = [json.loads(line) for line in (tmp_path / "out" / "uplinks.jsonl").read_text().splitlines()]
    assert uplinks and all(not u["delivered"] for u in uplinks if u["t"] > 3600)  # the link went down


LINES = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=100, max_size=400),
    st.builds(lambda verb, rest: verb + " " + rest,
              st.sampled_from(["status", "config get", "config set report_interval_s", "port", "log", "trace"]),
              st.text(max_size=30)),
    st.sampled_from(["a" * 300, "\U0001F600", "st\ud800atus", "port \u0661 on", "\u212aog info",
                     "config\u2003get", "config get x\nTRACE {\"t\": 0, \"reset\": \"soft\"}", "x" * 100_000]),
)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(LINES, min_size=1, max_size=12))
def test_any_console_line_gets_an_answer_and_both_engines_read_it_alike(tmp_path, lines):
    records = [{"t": 0, **BASE}]
    records += [{"t": 20 + 2 * n, "console": line} for n, line in enumerate(lines)]
    records.append({"t": 30 + 2 * len(lines), **BASE})
    trace = write_trace(tmp_path / "c.jsonl", records)
    logs = []
    for engine in ENGINES:
        result = replay(str(trace), str(tmp_path / engine), engine=engine)
        assert result.summary["resets"] == {}
        logs.append((tmp_path / engine / "console.log").read_bytes())
    assert logs[0] == logs[1]
    text = logs[0].decode()
    assert "ERROR loop" not in text and "Traceback" not in text
    assert all(c >= " " for line in text.splitlines() for c in line)  # no control character
    assert not [line for line in text.splitlines() if line.startswith("TRACE ")]  # nothing forged


HEAD = '{"format": "bench-trace", "version": 1, "bench": "SM-T", "start": "2026-06-21T00:00:00Z"}\n'
FIRST = '{"t": 0, "solar_v": 18.0, "batt_v": 13.2}\n'


def corrupt_gzip() -> bytes:
    import gzip

    data = bytearray(gzip.compress((HEAD + FIRST * 2000).encode()))
    data[10:14] = b"\xff" * 4  # the first deflate block's header written over: zlib.error
    return bytes(data)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("name", "content", "named"), [
    ("deep.jsonl", HEAD + '{"t": 0, "console": ' + "[" * 100_000 + "]" * 100_000 + "}\n", ":2: bad JSON: nested too deeply"),
    ("far.jsonl", HEAD + FIRST + '{"t": 1e306}\n', ":3: t = 1e+306 s is beyond the longest trace"),
    ("digits.jsonl", HEAD + FIRST + '{"t": ' + "9" * 400 + "}\n", ":3: t = 9999"),
    ("decade.jsonl", HEAD + FIRST + '{"t": 1e9}\n', ":3: t = 1000000000.0 s is beyond the longest trace"),
    ("torn.jsonl.gz", corrupt_gzip(), ":1: unreadable: Error -3 while decompressing data: invalid block type"),
])
def test_a_trace_that_is_not_one_exits_2_naming_its_line_on_both_engines(tmp_path, capsys, engine, name, content,
                                                                          named):
    from benchctl.cli import main

    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    code = main(["replay", str(path), "--out", str(tmp_path / "out"), "--engine", engine])
    err = capsys.readouterr().err
    assert code == 2 and named in err and "Traceback" not in err, err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("engine", ENGINES)
def test_numbers_too_big_for_any_sensor_and_lone_surrogates_replay(tmp_path, engine):
    trace = tmp_path / "odd.jsonl"
    trace.write_text(HEAD + '{"t": 0, "solar_v": ' + "9" * 400 + ', "batt_v": 1e300, "port1_a": -1.7e308}\n'
                     + '{"t": 20, "console": "st\\ud800atus", "fault": {"sensor": "port1", "kind": "nack", '
                     + '"for_s": 1e306}}\n{"t": 60}\n')
    result = replay(str(trace), str(tmp_path / "out"), engine=engine)
    assert result.summary["duration_s"] == 60
    assert "error: unknown command 'st?atus'" in (tmp_path / "out" / "console.log").read_text()


def run_with_files(board_name, files, hours=3):
    """Replays `hours` of a quiet day on `board_name` with `files` on its flash as found."""
    from bench.config import Config
    from benchctl.replay.trace import Trace
    from benchctl.sim.runner import replay as run
    from conftest import board

    trace = write_trace(Path(tempfile.mkdtemp()) / "t.jsonl", [{"t": 0, **BASE}, {"t": hours * 3600, **BASE}])
    lines = []
    totals = run(board(board_name), iter(Trace(str(trace))), Config().v, None, "SM-T", lines.append, files=files)
    return totals, "\n".join(lines)


NOT_SETTINGS = [b"null", b"[]", b"42", b'"text"', b"{", b"\xff\xfe\x00", b"{}" + b" " * 20000,
                b'{"ssid": 5, "key": ["x"], "port": "1883", "broker": null, "tls": "yes", "deveui": 7}']


@pytest.mark.parametrize("board_name", ["esp32-rak3172", "esp32-wifi"])
@pytest.mark.parametrize("content", NOT_SETTINGS, ids=range(len(NOT_SETTINGS)))
def test_a_network_json_that_is_not_settings_is_named_and_the_bench_runs_on(board_name, content):
    totals, console = run_with_files(board_name, {"network.json": content})
    assert totals["resets"] == {} and totals["crashes"] == 0, console[-600:]
    assert totals["generated"] >= 10  # reports made every quarter hour
    assert "network.json:" in console
    assert "Traceback" not in console and "bench cannot start" not in console


BAD_FILES = [b"null", b"[]", b"42", b'"text"', b"{", b"\xff\xfe\x00", b"{}" + b" " * 20000, b"x" * 70000,
             b'{"boots": "many", "charge_mas": [1], "gauge": {"a": 1}, "days": 5, "resets": 3}',
             b'{"report_interval_s": "900", "occupancy": 5, "port_count": 99, "nope": 1}']


@pytest.mark.parametrize("board_name", ["esp32-rak3172", "esp32-wifi"])
@pytest.mark.parametrize("name", ["config.json", "state.json", "airtime.txt", "bench_id"])
@pytest.mark.parametrize("content", BAD_FILES, ids=range(len(BAD_FILES)))
def test_a_file_on_flash_that_is_not_what_the_bench_wrote_never_stops_it(board_name, name, content):
    totals, console = run_with_files(board_name, {name: content})
    assert totals["resets"] == {} and totals["crashes"] == 0, console[-600:]
    assert totals["generated"] >= 10
    assert "Traceback" not in console and "bench cannot start" not in console
    if name in ("config.json", "state.json") and not isinstance(json_or_none(content), dict):
        assert f"set aside as {name}.bad" in console  # kept for the technician, named


def json_or_none(content):
    try:
        return json.loads(content)
    except ValueError:
        return None


@pytest.mark.parametrize(("raw", "ident"), [(b"SM-042\n", "SM-042"), (None, "unset"), (b"\xff\xfe", "unset"),
                                            (b"x" * 70000, "unset"), (b"SM 042", "unset"), (b"", "unset")])
def test_the_bench_id_on_flash_is_an_id_or_unset_and_said(raw, ident):
    from bench.provision import bench_id
    from benchctl.sim.chips.flash import FakeFlash

    flash = FakeFlash()
    if raw is not None:
        flash.write("bench_id", raw)
    said = []
    assert bench_id(flash, said.append) == ident
    assert bool(said) == (raw is not None and ident == "unset")


@given(st.binary(max_size=300) | st.builds(json.dumps, st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(
        ["ssid", "key", "broker", "port", "user", "password", "tls", "ca", "deveui", "appkey", "x"]), inner,
        max_size=6))).map(str.encode))
def test_network_settings_are_each_of_their_type_whatever_the_file_holds(raw):
    from bench.provision import network

    said = []
    settings, whole = network(raw, said.append)
    assert isinstance(settings, dict)
    for name, value in settings.items():
        if name == "port":
            assert type(value) is int and 1 <= value <= 65535
        elif name == "tls":
            assert type(value) is bool
        else:
            assert isinstance(value, str) or (name in ("user", "password") and value is None)
    assert whole or (said and not settings)


@pytest.mark.parametrize("size", [66, 67, 150, 222])
def test_a_long_downlink_reaches_the_bench_and_is_applied_or_rejected_not_lost(tmp_path, size):
    records = [{"t": 0, **BASE}, {"t": 600, "downlink": {"fport": 3, "hex": "ab" * size}}, {"t": 7200, **BASE}]
    summary = replay(str(write_trace(tmp_path / "d.jsonl", records)), str(tmp_path / "out")).summary
    assert summary["downlinks"]["applied"] + summary["downlinks"]["rejected"] == 1


@pytest.mark.parametrize("size", [100, 300, 3000])
def test_an_mqtt_command_of_any_length_is_applied_or_rejected_and_the_session_goes_on(tmp_path, size):
    from benchctl import codec

    # Published on benches/<id>/cmd as {"fport": N, "hex": "..."}: 2 x size characters of hex.
    fport, data = codec.encode_downlink({"read_config": True})
    records = [{"t": 0, **BASE}, {"t": 600, "downlink": {"fport": 3, "hex": "ab" * size}},
               {"t": 900, "downlink": {"fport": fport, "hex": bytes(data).hex()}}, {"t": 7200, **BASE}]
    summary = replay(str(write_trace(tmp_path / "m.jsonl", records)), str(tmp_path / "out"),
                     board_name="esp32-wifi").summary
    assert summary["downlinks"] == {"applied": 1, "rejected": 1}  # the read_config after it: the session went on
    console = (tmp_path / "out" / "console.log").read_text()
    assert ("rejected from mqtt: a command longer than 512 bytes" in console) == (size > 250)
    assert console.count("wifi: connected") == 1


def sensor_events(out):
    from benchctl import codec

    frames = [json.loads(line) for line in (out / "uplinks.jsonl").read_text().splitlines()]
    events = [codec.decode(2, bytes.fromhex(f["payload_hex"]))[0] for f in frames if f.get("fport") == 2]
    return [(e["sensor"], e["fault"]) for e in events if e["frame"] == "sensor_fault"]


def test_a_monitor_stuck_for_a_day_is_one_event_when_it_sticks_and_one_when_it_works_again(tmp_path):
    records = [{"t": 0, **BASE}, {"t": 600, "fault": {"sensor": "battery", "kind": "stuck", "for_s": DAY}}]
    # Readings that move, as a real battery's do: a stuck chip repeats the last of them.
    records += [{"t": 601 + 60 * m, **BASE, "batt_a": round(0.5 - (m % 7) * 0.1, 2)} for m in range(26 * 60)]
    trace = write_trace(tmp_path / "s.jsonl", records)
    replay(str(trace), str(tmp_path / "out"))
    battery = [e for e in sensor_events(tmp_path / "out") if e[0] == "battery"]
    assert battery == [("battery", "stuck"), ("battery", "answering again")]
    console = (tmp_path / "out" / "console.log").read_text()
    assert console.count("battery monitor stuck") == 1 and console.count("battery monitor answering again") == 1


def test_overlapping_faults_on_one_sensor_each_last_their_own_time(tmp_path):
    records = [{"t": 0, **BASE}, {"t": 600, "fault": {"sensor": "port1", "kind": "nack", "for_s": 3600}},
               {"t": 1200, "fault": {"sensor": "port1", "kind": "garbage", "for_s": 60}}]
    records += [{"t": 10 * n, **BASE} for n in range(1, 800)]
    records.sort(key=lambda r: r["t"])
    trace = write_trace(tmp_path / "o.jsonl", records)
    replay(str(trace), str(tmp_path / "out"))
    lines = (tmp_path / "out" / "console.log").read_text().splitlines()
    again = [float(line[1:12]) for line in lines if "port 1" in line and "answering again" in line]
    assert again and again[0] >= 4200  # not when the short one ended, at 1260 s


def test_a_shunt_and_range_the_monitor_cannot_calibrate_are_refused_on_the_console_and_downlink(sim):
    # 20 A on a 1 ohm shunt would be 20 V across it: an INA226 reads at most 81.92 mV.
    said = sim.type("config set battery_shunt_uohm 1000000")
    assert any("battery_shunt_uohm and battery_max_a" in line for line in said), said
    assert sim.bench.cfg.v["battery_shunt_uohm"] == 1000
    sim.type("config set min_session_s 3600")
    said = sim.type("config set max_session_s 600")
    assert any("must not be above max_session_s" in line for line in said), said
    applied = sim.bench.command({"config": {"battery_shunt_uohm": 1000000, "battery_max_a": 200}}, None, "lorawan", 10)
    assert not applied and sim.bench.cfg.v["battery_max_a"] == 20


def test_a_monitor_that_cannot_be_set_up_is_a_fault_in_every_report():
    from conftest import SimBench

    bench = SimBench()
    sensors = bench.bench.sensors
    sensors.battery, sensors.unset = None, ["battery"]  # as when config.json came from older firmware
    bench.tick(10)
    assert "battery" in sensors.failing() and bench.bench.window.faults & 0x02  # FAULT_BATTERY


ABSURD = st.one_of(st.floats(-1e12, 1e12, allow_nan=False), st.integers(-10**12, 10**12), st.sampled_from([0, 1e12]))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(ABSURD, ABSURD, ABSURD, ABSURD), min_size=2, max_size=8))
def test_whatever_the_world_asks_the_plant_stays_inside_physics(tmp_path_factory, steps):
    tmp = tmp_path_factory.mktemp("absurd")
    records = [{"t": 1800 * n, "poa_wm2": poa, "air_c": air, "port1_demand_a": port, "qi_demand_w": pad}
               for n, (poa, air, port, pad) in enumerate(steps)]
    summary = replay(str(write_trace(tmp / "a.jsonl", records, {"plant": {}})), str(tmp / "out")).summary
    e, plant = summary["energy"], summary["plant"]
    assert e["solar_wh"] >= 0 and e["load_wh"] >= 0
    assert e["solar_wh"] <= plant["available_wh"] + 0.01  # never more than the panel offered
    assert 0 <= e["min_soc"] <= plant["end_soc"] + 1 and 0 <= plant["end_soc"] <= 1
    hours = 0.5 * (len(steps) - 1)
    assert plant["port_wh"] <= 5 * 3.5 * hours + 0.01 and plant["pad_wh"] <= 15 * hours + 0.01


def test_a_long_replay_shows_progress_in_a_log_when_asked_and_never_when_quiet(capsys, monkeypatch):
    from benchctl import cli
    from conftest import TRACES

    monkeypatch.setattr(cli.ProgressLines.__init__, "__defaults__", (0.0,))  # a line at every step
    assert cli.main(["replay", str(TRACES / "park-summer-day.jsonl"), "--progress"]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert lines and all(re.fullmatch(r"benchctl replay: .*park-summer-day\.jsonl: \d+% read, trace time .+", x)
                         for x in lines)
    assert lines[-1].endswith("100% read, trace time 1d 00:00:00")
    assert cli.main(["replay", str(TRACES / "park-summer-day.jsonl"), "--quiet"]) == 0
    assert capsys.readouterr().err == ""
    with pytest.raises(SystemExit) as stop:
        cli.main(["replay", str(TRACES / "park-summer-day.jsonl"), "--quiet", "--progress"])
    assert stop.value.code == 2
