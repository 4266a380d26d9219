"""Configuration: a schema with units and ranges; bad values and bad files never stop the bench."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench import config as schema
from bench.config import Config
from bench.log import Log
from conftest import Lines, SimBench, Store


def load(raw: bytes | None) -> tuple[Config, Lines]:
    lines = Lines()
    cfg = Config()
    cfg.load(Store({"config.json": raw} if raw is not None else {}), Log(lines))
    return cfg, lines


def test_defaults_come_from_the_schema():
    cfg, lines = load(None)
    assert cfg.v["report_interval_s"] == 900 and cfg.v["radar_max_cm"] == 150
    assert lines.lines == []


def test_a_bad_value_is_named_and_its_default_kept():
    cfg, lines = load(b'{"report_interval_s": 5, "radar_max_cm": 120}')
    assert cfg.v["report_interval_s"] == 900 and cfg.v["radar_max_cm"] == 120
    assert lines.matching("report_interval_s must be 60..86400 s, got 5; keeping 900")


def test_wrong_types_and_unknown_keys_are_named():
    cfg, lines = load(b'{"radar_max_cm": "far", "port_count": true, "colour": "green", "occupancy": "sonar"}')
    assert cfg.v["radar_max_cm"] == 150 and cfg.v["port_count"] == 3
    text = lines.text()
    assert "radar_max_cm must be a whole number of cm, got far" in text
    assert "port_count must be a whole number" in text
    assert "unknown key colour" in text
    assert "occupancy must be one of pir|radar|both, got sonar" in text


def test_a_file_that_is_not_json_keeps_every_default():
    cfg, lines = load(b"{report_interval_s: 600")
    assert cfg.v == Config().v
    assert lines.matching("config.json is not one JSON object of settings; set aside as config.json.bad")


def test_save_writes_only_what_differs_from_the_defaults():
    cfg = Config()
    cfg.v["radar_max_cm"] = 120
    store = Store()
    cfg.save(store)
    assert json.loads(store.files["config.json"]) == {"radar_max_cm": 120}


def test_rom_codes_must_be_sixteen_hex_digits():
    assert schema.check("temp_batt_rom", "28d4c3b2a10000a1") is None
    assert schema.check("temp_batt_rom", "") is None
    assert "16 lowercase hex digits" in schema.check("temp_batt_rom", "28-d4")


@pytest.mark.fuzz
@given(st.binary(max_size=300))
def test_any_bytes_as_config_file_never_raise(raw):
    cfg, _ = load(raw)
    for key in schema.names():
        assert schema.check(key, cfg.v[key]) is None


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                           max_leaves=10)


@pytest.mark.fuzz
@given(st.dictionaries(st.sampled_from([*schema.names(), "x", ""]), json_values, max_size=8))
def test_any_json_object_leaves_every_value_valid(data):
    cfg, _ = load(json.dumps(data).encode())
    for key in schema.names():
        assert schema.check(key, cfg.v[key]) is None
    for key, value in data.items():
        if schema.check(key, value) is None:
            assert cfg.v[key] == value


def test_a_bench_with_a_broken_config_file_boots_and_says_so():
    sim = SimBench(files={"config.json": b"\x00\xff not json"})
    sim.tick(10)
    assert sim.console.matching("ERROR config: config.json is not one JSON object of settings; set aside")
    assert sim.bench.cfg.v == Config().v


@given(st.binary(max_size=60) | st.builds(lambda d: json.dumps(d).encode(),
                                          st.dictionaries(st.sampled_from(["boots", "charge_mas", "x"]), json_values)))
def test_any_state_file_still_boots(raw):
    sim = SimBench(files={"state.json": raw})
    assert sim.bench.boots >= 1
    sim.tick(10)
    assert sim.bench.crashes == 0


@given(st.lists(st.tuples(st.sampled_from(["min_session_s", "max_session_s"]), st.integers(0, 86_400)), max_size=12))
def test_a_sittings_bounds_stay_in_order_whatever_is_set(changes):
    cfg = Config()
    lines = []
    for key, value in changes:
        before = dict(cfg.v)
        ok = cfg.apply(key, value, Log(lines.append))
        assert cfg.v["min_session_s"] <= cfg.v["max_session_s"]
        if not ok:
            assert cfg.v == before
    refused = [line for line in lines if "must not be above max_session_s" in line]
    assert all("keeping" in line for line in refused), "a refused value says which it kept"
