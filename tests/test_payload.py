"""Payload format v1: the firmware's encoder, benchctl's decoder and the JavaScript codec for
The Things Stack / ChirpStack agree on every golden example, round-trip, and turn random bytes
into errors, never crashes."""

import json
import shutil
import subprocess

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bench import payload
from bench.capacity import ANCHORS
from bench.config import Config
from bench.report import Report
from benchctl import codec
from benchctl.cli import main
from conftest import ROOT

EXAMPLES = yaml.safe_load((ROOT / "tests" / "codec" / "examples.yaml").read_text())
JS = ROOT / "host_tools" / "codec" / "bench-codec.js"
ACORN = ROOT / ".venv" / "node" / "node_modules" / "acorn"
NODE = shutil.which("node")


def js(calls):
    """Run calls through the JavaScript codec in Node.js (which also parses it as ES5.1)."""
    assert NODE, "Node.js is needed for the codec tests (make setup installs it)"
    path = ROOT / "build" / "codec-calls.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(calls))
    out = subprocess.run([NODE, str(ROOT / "tests" / "codec" / "node_decode.js"), str(JS), str(path), str(ACORN)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def python_uplink(fport, data):
    try:
        decoded, warnings = codec.decode(fport, bytes(data))
    except codec.DecodeError as e:
        return {"errors": [str(e)]}
    return {"data": decoded, **({"warnings": warnings} if warnings else {})}


def report_from(d):
    """The firmware report a decoded status frame stands for (values on the frame's grid)."""
    faults = sum(1 << codec.FAULTS.index(name) for name in d["faults"])
    ports = sum(1 << (n - 1) for n in d["ports_on"])
    return Report((d["seq"], 0, None if d["soc_pct"] is None else d["soc_pct"] * 10,
                   0 if d["battery_v"] is None else round(d["battery_v"] * 1000), round(d["solar_wh"] * 1000),
                   round(d["used_wh"] * 1000), d["sittings"], d["occupied_min"] * 60, d["charge_sessions"],
                   round(d["port_wh"] * 1000), ports, faults, d["battery_c"], None, 0))


def firmware_encode(d):
    frame = d["frame"]
    if frame == "status":
        return bytes(payload.encode_status(report_from(d)))
    if frame == "boot":
        return payload.encode_boot(d["reset_cause"], d["boots"], d["firmware"])
    if frame == "port_fault":
        return payload.encode_port_fault(d["port"], d["fault"], d["current_ma"], d["retry_s"])
    if frame == "sensor_fault":
        return payload.encode_sensor_fault(d["sensor"], d["fault"], d["failures"])
    if frame == "safe_mode":
        return payload.encode_safe_mode(d["boots"], d["entered"])
    if frame == "command_rejected":
        return payload.encode_command_rejected(d["source"], d["fport"], payload.REJECTIONS.index(d["reason"]) + 1)
    if frame == "health":
        heap = None if d["free_heap_kb"] is None else d["free_heap_kb"] * 1024
        gauge = None
        if d["capacity_ah"] is not None:
            gauge = (round(d["capacity_ah"] * 3_600_000), d["capacity_sure_pct"], ANCHORS.index(d["gauge_anchor"]))
        return payload.encode_health(d["uptime_h"], [d["resets"][c] for c in payload.RESET_CAUSES], d["overruns"],
                                     [d["sensor_errors"][r] for r in payload.HEALTH_SENSORS], d["radio_troubles"], d["queued"],
                                     heap, gauge)
    raise AssertionError(frame)


def test_golden_uplinks_decode_the_same_in_python_and_javascript():
    uplinks = [e for e in EXAMPLES if e["type"] == "uplink"]
    results = js([{"fn": "decodeUplink", "input": e["input"]} for e in uplinks])
    for example, from_js in zip(uplinks, results, strict=True):
        expected = example["output"]
        assert python_uplink(example["input"]["fPort"], example["input"]["bytes"]) == expected, example["description"]
        if "errors" in expected:
            assert from_js["errors"] == expected["errors"], example["description"]
        else:
            assert from_js["data"] == expected["data"], example["description"]
            assert from_js["warnings"] == expected.get("warnings", []), example["description"]


def test_golden_uplinks_are_what_the_firmware_encodes():
    pages = {}
    for e in EXAMPLES:
        if e["type"] != "uplink" or "errors" in e["output"] or e.get("legacy"):
            continue  # a legacy frame is one an older firmware sent: decoded, no longer made
        data = e["output"]["data"]
        if data["frame"] == "config":
            pages[data["page"]] = (data["config"], bytes(e["input"]["bytes"]))
            continue
        assert firmware_encode(data) == bytes(e["input"]["bytes"]), e["description"]
    merged = {}
    for config, _ in pages.values():
        merged.update(config)
    assert payload.encode_config(merged) == [pages[p][1] for p in sorted(pages)]


def test_golden_downlinks_agree_in_python_and_javascript():
    encodes = [e for e in EXAMPLES if e["type"] == "downlink-encode"]
    decodes = [e for e in EXAMPLES if e["type"] == "downlink-decode"]
    calls = [{"fn": "encodeDownlink", "input": e["input"]} for e in encodes]
    calls += [{"fn": "decodeDownlink", "input": e["input"]} for e in decodes]
    results = js(calls)
    for e, got in zip(encodes + decodes, results, strict=True):
        assert got == e["output"], e["description"]
        if e["type"] == "downlink-decode":
            assert codec.decode_downlink(e["input"]["fPort"], bytes(e["input"]["bytes"])) == e["output"]["data"]
        elif "errors" in e["output"]:
            with pytest.raises(codec.DecodeError):
                codec.encode_downlink(e["input"]["data"])
        else:
            fport, data = codec.encode_downlink(e["input"]["data"])
            assert {"fPort": fport, "bytes": list(data)} == e["output"]


def test_every_uplink_fits_51_bytes_and_the_status_frame_12():
    assert len(payload.encode_status(report_from(EXAMPLES[0]["output"]["data"]))) == 12
    for frame in payload.encode_config(Config().v):
        assert len(frame) <= 51


def test_the_javascript_codec_is_small_es5_without_require():
    source = JS.read_text()
    assert len(source.encode()) < 40 * 1024
    assert "require(" not in source
    js([])  # acorn parses it with ecmaVersion 5, or the call fails


status_values = st.tuples(
    st.integers(0, 100_000), st.none() | st.integers(0, 1000), st.integers(0, 20_000), st.integers(0, 600_000),
    st.integers(0, 600_000), st.integers(0, 200), st.integers(0, 200_000), st.integers(0, 40),
    st.integers(0, 200_000), st.integers(0, 7), st.integers(0, 127), st.none() | st.integers(-200, 200))


@given(status_values)
def test_status_round_trips_to_the_frames_grid(v):
    seq, soc, mv, solar, used, sits, occ, charges, port, states, faults, temp = v
    frame = bytes(payload.encode_status(Report((seq, 0, soc, mv, solar, used, sits, occ, charges, port, states,
                                                faults, temp, None, 0))))
    d, _ = codec.decode(1, frame)
    assert d["seq"] == seq % 256
    assert d["soc_pct"] == (None if soc is None else min(100, (soc + 5) // 10))
    if mv == 0:
        assert d["battery_v"] is None
    else:
        assert d["battery_v"] == (1000 + 2 * max(0, min(254, (mv - 10000 + 10) // 20))) / 100
    assert d["solar_wh"] == min(4095, (solar + 50) // 100) / 10
    assert d["sittings"] == min(63, sits) and d["charge_sessions"] == min(15, charges)
    assert d["occupied_min"] == min(2047, (occ + 30) // 60)
    assert d["ports_on"] == [n + 1 for n in range(3) if states & (1 << n)]
    assert len(d["faults"]) == bin(faults).count("1")
    assert d["battery_c"] == (None if temp is None else max(-127, min(127, temp)))
    assert firmware_encode(d) == frame


@given(st.fixed_dictionaries({k: st.integers(v[2], v[3]) for k, v in
                              ((s[0], s) for s in __import__("bench.config", fromlist=["_INTS"])._INTS)}),
       st.sampled_from(["debug", "info", "warn", "error"]), st.sampled_from(["pir", "radar", "both"]),
       st.sampled_from(["budget", "ladder"]))
def test_configuration_read_back_round_trips(ints, level, occupancy, policy):
    values = dict(ints, log_level=level, occupancy=occupancy, energy_policy=policy)
    frames = payload.encode_config(values)
    got = {}
    for n, frame in enumerate(frames):
        assert len(frame) <= 51
        d, _ = codec.decode(3, frame)
        assert (d["page"], d["pages"]) == (n, len(frames))
        got.update(d["config"])
    assert got == {k: values[k] for k in payload.CONFIG_IDS}


@given(st.sampled_from(payload.RESET_CAUSES), st.integers(0, 70_000), st.integers(1, 8),
       st.sampled_from(payload.PORT_FAULTS), st.integers(0, 70_000), st.sampled_from(payload.SENSOR_ROLES),
       st.sampled_from(payload.SENSOR_KINDS), st.booleans(), st.sampled_from(payload.COMMAND_SOURCES),
       st.integers(1, len(payload.REJECTIONS)))
def test_events_round_trip(cause, n, port, kind, ma, role, sensor_kind, entered, source, code):
    assert codec.decode(2, payload.encode_boot(cause, n))[0]["boots"] == min(n, 65535)
    d = codec.decode(2, payload.encode_port_fault(port, kind, ma, n))[0]
    assert (d["port"], d["fault"], d["current_ma"]) == (port, kind, min(ma, 65535))
    d = codec.decode(2, payload.encode_sensor_fault(role, sensor_kind, n))[0]
    assert (d["sensor"], d["fault"]) == (role, sensor_kind)
    assert codec.decode(2, payload.encode_safe_mode(n % 300, entered))[0]["entered"] == entered
    d = codec.decode(2, payload.encode_command_rejected(source, n % 256, code))[0]
    assert (d["source"], d["fport"], d["reason"]) == (source, n % 256, payload.REJECTIONS[code - 1])


@pytest.mark.fuzz
@settings(max_examples=300)
@given(st.integers(0, 255), st.binary(max_size=60))
def test_random_bytes_are_an_error_or_a_frame_in_python(fport, data):
    try:
        decoded, _ = codec.decode(fport, data)
    except codec.DecodeError as e:
        assert str(e)
    else:
        assert decoded["frame"] in ("status", "boot", "port_fault", "sensor_fault", "safe_mode", "config")


def test_random_bytes_are_an_error_or_the_same_frame_in_javascript():
    import random

    rng = random.Random(5)
    inputs = [{"fPort": rng.choice([1, 2, 3, 4, 0, 200]), "bytes": [rng.randrange(256) for _ in range(rng.randrange(60))]}
              for _ in range(2000)]
    inputs += [{"fPort": 2, "bytes": [k, *[rng.randrange(256) for _ in range(n)]]} for k in range(1, 5) for n in range(8)]
    for call, got in zip(inputs, js([{"fn": "decodeUplink", "input": i} for i in inputs]), strict=True):
        expected = python_uplink(call["fPort"], call["bytes"])
        if "errors" in expected:
            assert got["errors"] == expected["errors"]
        else:
            assert got["data"] == expected["data"]


def test_benchctl_decode_prints_json_and_exits_2_with_the_reason(capsys):
    example = EXAMPLES[0]
    hexa = bytes(example["input"]["bytes"]).hex()
    assert main(["decode", hexa]) == 0
    assert json.loads(capsys.readouterr().out) == example["output"]["data"]
    assert main(["decode", "0a0b", "--fport", "1"]) == 2
    assert "a status frame (FPort 1) is 12 bytes, got 2" in capsys.readouterr().err
    assert main(["decode", "zz"]) == 2
    assert "hex" in capsys.readouterr().err


def test_the_three_implementations_share_their_code_tables():
    # (firmware name, decoder name) — the JavaScript codec uses the decoder's names.
    names = (("CONFIG_IDS", "CONFIG_IDS"), ("SENSOR_ROLES", "SENSOR_ROLES"), ("SENSOR_KINDS", "SENSOR_KINDS"),
             ("RESET_CAUSES", "RESET_CAUSES"), ("PORT_FAULTS", "PORT_FAULTS"), ("FAULT_NAMES", "FAULTS"),
             ("COMMAND_SOURCES", "COMMAND_SOURCES"), ("REJECTIONS", "REJECTIONS"))
    from_js = js([{"fn": name} for _, name in names])
    for (firmware, decoder), js_table in zip(names, from_js, strict=True):
        assert getattr(payload, firmware) == getattr(codec, decoder) == tuple(js_table), firmware


@given(status_values)
def test_the_benchs_own_status_json_equals_the_decoders_output(v):
    from bench.status_json import status_json

    seq, soc, mv, solar, used, sits, occ, charges, port, states, faults, temp = v
    frame = bytes(payload.encode_status(Report((seq, 0, soc, mv, solar, used, sits, occ, charges, port, states,
                                                faults, temp, None, 0))))
    assert json.loads(status_json(frame)) == codec.decode(1, frame)[0]


gauges = st.none() | st.tuples(st.integers(0, 2 ** 31), st.integers(0, 100), st.integers(0, len(ANCHORS) - 1))


@given(st.integers(0, 70_000), st.lists(st.integers(0, 300), min_size=5, max_size=5), st.integers(0, 300),
       st.lists(st.integers(0, 300), min_size=7, max_size=7), st.integers(0, 300), st.integers(0, 70_000),
       st.none() | st.integers(0, 400_000), gauges)
def test_health_frames_carry_the_gauge_to_the_decoder(uptime, resets, overruns, errors, radio, queued, heap, gauge):
    frame = payload.encode_health(uptime, resets, overruns, errors, radio, queued, heap, gauge)
    d, _ = codec.decode(2, frame)
    assert len(frame) == payload.HEALTH_BYTES and d["uptime_h"] == min(uptime, 0xFFFF)
    assert list(d["resets"].values()) == [min(r, 255) for r in resets]
    if gauge is None:
        assert d["capacity_ah"] is None and d["capacity_sure_pct"] is None and d["gauge_anchor"] == "none"
    else:
        mas, sure, anchor = gauge
        assert d["capacity_ah"] == min(0xFFFE, (mas + 180_000) // 360_000) / 10
        assert abs(d["capacity_ah"] * 3_600_000 - mas) <= 180_000 or d["capacity_ah"] == 6553.4
        assert d["capacity_sure_pct"] == sure and d["gauge_anchor"] == ANCHORS[anchor]


def test_a_health_frame_from_before_the_gauge_still_decodes_and_other_lengths_do_not():
    old = payload.encode_health(5, [1, 0, 0, 0, 0], 0, [0] * 7, 0, 1, None)[:20]
    d, _ = codec.decode(2, old)
    assert d["uptime_h"] == 5 and "capacity_ah" not in d
    for cut in (19, 21, 23, 25):
        with pytest.raises(codec.DecodeError, match="event type 6 is 24 bytes"):
            codec.decode(2, (old + bytes(8))[:cut])


def firmware_downlink(fport, data):
    from bench.downlink import BAD_VALUE, parse_downlink

    command, why = parse_downlink(fport, bytes(data))
    return command, why is not None and why[0] != BAD_VALUE  # refused for its shape, not a range


def py_downlink(fport, data):
    try:
        return codec.decode_downlink(fport, bytes(data))
    except codec.DecodeError:
        return None


def config_bytes(draw_pairs):
    out = []
    for key_id, value in draw_pairs:
        out.append(key_id)
        codec._varint(out, value)
    return out


def in_range(key_id):
    """A value the schema takes for the key (the bytes' index of a choice), or any for an id
    past the table."""
    from bench import config as schema

    if key_id >= len(codec.CONFIG_IDS):
        return st.integers(0, 1000)
    key = codec.CONFIG_IDS[key_id]
    if key in codec.CHOICES:
        return st.integers(0, len(codec.CHOICES[key]) - 1)
    spec = schema._int_spec(key)
    return st.integers(max(spec[2], 0), spec[3])


PAIR = st.integers(0, len(codec.CONFIG_IDS)).flatmap(lambda k: st.tuples(st.just(k), in_range(k)))
DOWNLINK_BYTES = st.one_of(
    st.tuples(st.integers(9, 15), st.binary(max_size=12).map(list)),
    st.tuples(st.just(10), st.lists(PAIR, max_size=4).map(config_bytes)),  # well-formed, values in range
    st.tuples(st.just(10), PAIR.map(lambda p: config_bytes([p, p]))),  # one key twice
)


@settings(max_examples=8, deadline=None)
@given(st.lists(DOWNLINK_BYTES, min_size=60, max_size=60))
def test_the_firmware_and_both_decoders_agree_on_every_downlinks_bytes(cases):
    got_js = js([{"fn": "decodeDownlink", "input": {"fPort": f, "bytes": d}} for f, d in cases])
    for (fport, data), from_js in zip(cases, got_js, strict=True):
        from_py = py_downlink(fport, data)
        assert (from_js.get("data") if "errors" not in from_js else None) == from_py, (fport, data)
        command, malformed = firmware_downlink(fport, data)
        if command is not None:
            assert from_py == command, (fport, data)  # what the bench applies, the server shows
        if from_py is None:
            assert command is None, (fport, data)  # what the decoders refuse, the bench refuses
        if malformed:
            assert from_py is None, (fport, data)


COMMANDS = st.one_of(
    st.fixed_dictionaries({"config": st.one_of(
        st.none(), st.integers(), st.lists(st.integers(), max_size=2), st.text(max_size=4),
        st.dictionaries(st.sampled_from([*codec.CONFIG_IDS[:6], "log_level", "occupancy", "nope"]),
                        st.integers(-5, 300_000) | st.sampled_from(["info", "both", "loud", None, True, 1.5]),
                        max_size=3))}),
    st.fixed_dictionaries({"port": st.integers(-1, 10) | st.sampled_from(["1", None, True]),
                           "mode": st.sampled_from(["auto", "on", "off", "up", None])}),
    st.sampled_from([{"read_config": True}, {"reboot": True}, {"reboot": 1}, {}, {"config": None, "port": 2,
                                                                                   "mode": "on"}]),
)


@settings(max_examples=8, deadline=None)
@given(st.lists(COMMANDS, min_size=40, max_size=40))
def test_what_an_operator_sends_is_encoded_alike_and_read_by_the_bench_as_sent(commands):
    from bench.downlink import parse_downlink, parse_json

    got_js = js([{"fn": "encodeDownlink", "input": {"data": c}} for c in commands])
    for command, from_js in zip(commands, got_js, strict=True):
        try:
            fport, data = codec.encode_downlink(command)
            from_py = {"fPort": fport, "bytes": list(data)}
        except codec.DecodeError:
            from_py = None
        assert (None if "errors" in from_js else from_js) == from_py, command
        over_mqtt, _ = parse_json(json.dumps(command).encode())
        if from_py is None:
            assert over_mqtt is None, command
        else:
            over_lorawan, _ = parse_downlink(from_py["fPort"], bytes(from_py["bytes"]))
            assert over_lorawan == over_mqtt, command  # the same command, or refused alike
