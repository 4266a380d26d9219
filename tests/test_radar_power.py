"""The radar's supply: the PIR wakes it, it stays on while anyone is seen and for
`radar_hold_s` after, never in survival; switched off it is not a fault, and a closed-loop day
shows what it saves."""

import json

from bench.log import Log
from bench.radar_power import RadarPower
from benchctl.replay import replay
from benchctl.sim.chips.pins import FakePin
from drivers.switch import LoadSwitch
from test_plant import closed_loop_day


def gate():
    pin = FakePin()
    return RadarPower(LoadSwitch(pin), Log(lambda line: None)), pin


def test_on_at_boot_off_after_the_hold_on_again_when_the_pir_fires():
    power, pin = gate()
    assert pin.level == 1 and not power.ready(0) and power.ready(2000)
    power.update(10_000, False, 600, False)
    assert pin.level == 1  # within the hold since boot
    power.update(600_000, False, 600, False)
    assert pin.level == 0 and not power.ready(600_000)
    power.update(700_000, True, 600, False)  # the PIR saw someone sit down
    assert pin.level == 1 and not power.ready(701_000) and power.ready(702_000)
    power.update(1_000_000, True, 600, False)  # the radar still sees them: the hold starts again
    power.update(1_599_000, False, 600, False)
    assert pin.level == 1


def test_always_on_with_a_zero_hold_and_off_in_survival():
    power, pin = gate()
    power.update(10_000_000, False, 0, False)
    assert pin.level == 1
    power.update(10_000_010, True, 600, True)
    assert pin.level == 0


def test_a_board_without_a_radar_switch_keeps_it_on():
    power = RadarPower(None, Log(lambda line: None))
    power.update(10_000_000, False, 600, True)
    assert power.ready(0)  # at once: no switch to wait for


def test_over_a_day_the_gated_radar_saves_most_of_its_draw_and_still_sees_the_sitter(tmp_path):
    always = replay(str(closed_loop_day(tmp_path, {})), str(tmp_path / "always"),
                    config_file=str(_config(tmp_path, 0))).summary
    gated = replay(str(closed_loop_day(tmp_path, {})), str(tmp_path / "gated")).summary
    assert gated["sit_sessions"] == always["sit_sessions"] == 1
    # 80 mA at 5 V through the converter is 0.47 W, 11.3 Wh a day; gated, about an hour of it.
    saved = always["plant"]["electronics_wh"] - gated["plant"]["electronics_wh"]
    assert 9.0 < saved < 11.3
    console = (tmp_path / "gated" / "console.log").read_text()
    assert "radar not answering" not in console


def _config(tmp_path, hold):
    path = tmp_path / f"hold{hold}.json"
    path.write_text(json.dumps({"radar_hold_s": hold}))
    return path
