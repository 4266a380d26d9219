"""board.json against its schema (benchctl/board_schema.py): every shipped board passes, a
misspelt or mistyped key is named (never read as "not fitted"), any JSON is either a board or
a BoardError, and replay and flash both refuse a bad one."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchctl import board_schema
from benchctl.board_schema import BoardError, check
from conftest import ROOT

BOARDS = sorted((ROOT / "boards").glob("*/board.json"))


@pytest.mark.parametrize("path", BOARDS, ids=lambda p: p.parent.name)
def test_every_shipped_board_passes_its_schema(path):
    spec = json.loads(path.read_text())
    assert check(spec, str(path)) is spec


@pytest.mark.parametrize("path", BOARDS, ids=lambda p: p.parent.name)
def test_a_misspelt_key_is_named_with_its_likely_spelling(path):
    spec = json.loads(path.read_text())
    spec["heatr_pin"] = spec.pop("heater_pin", 23)
    with pytest.raises(BoardError, match=r"unknown key 'heatr_pin' \(did you mean 'heater_pin'\?\)"):
        check(spec)


@pytest.mark.parametrize(("change", "named"), [
    (lambda s: s.update(watchdog_ms="30000"), "watchdog_ms must be a whole number"),
    (lambda s: s["i2c"].update(sda=99), "i2c.sda must be 0..48, got 99"),
    (lambda s: s["battery"].update(chip="ina228"), "battery.chip must be one of ina226, ina219"),
    (lambda s: s.update(port_pins=[25, 25, 27]), "pin(s) 25 wired to more than one part"),
    (lambda s: s.pop("watchdog_ms"), "watchdog_ms is missing"),
    (lambda s: s["micropython"].pop("offset"), "micropython: offset is missing (the esptool installer needs it)"),
    (lambda s: s.update(wifi="yes"), "wifi must be true or false"),
])
def test_wrong_values_are_named_by_key(change, named):
    spec = json.loads((ROOT / "boards" / "esp32-rak3172" / "board.json").read_text())
    change(spec)
    with pytest.raises(BoardError) as e:
        check(spec)
    assert named in str(e.value)


json_values = st.recursive(st.none() | st.booleans() | st.integers(-10, 100_000) | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                      max_size=3), max_leaves=8)


@given(st.sampled_from(BOARDS), st.sampled_from(sorted(board_schema.KEYS)), json_values)
def test_any_json_in_any_key_is_a_board_or_a_board_error(path, key, value):
    spec = json.loads(path.read_text())
    spec[key] = value
    try:
        check(spec)
    except BoardError as e:
        assert key in str(e) or "pin(s)" in str(e) or "micropython" in str(e)


def test_replay_and_flash_refuse_a_board_that_breaks_its_schema(tmp_path, monkeypatch):
    from benchctl import replay
    from benchctl.flash import preflight

    fake = tmp_path / "boards"
    (fake / "odd").mkdir(parents=True)
    spec = json.loads((ROOT / "boards" / "virtual" / "board.json").read_text())
    spec["radar_pwer_pin"] = spec.pop("radar_power_pin")
    (fake / "odd" / "board.json").write_text(json.dumps(spec))
    monkeypatch.setattr(preflight, "BOARDS", fake)
    with pytest.raises(replay.ReplayError, match="unknown key 'radar_pwer_pin'"):
        replay.load_board("odd")
    with pytest.raises(preflight.PreflightError, match="unknown key 'radar_pwer_pin'"):
        preflight.board_spec("odd")
