"""The battery heater's control (bench/heating.py) sample by sample, against a battery box whose
heat and charge follow the plant's rules: it heats only on the panel's surplus, holds a battery
in the charge window instead of eating its charge, and never heats in the dark."""

from hypothesis import given, settings
from hypothesis import strategies as st

from bench.heating import BatteryHeating
from bench.log import Log
from benchctl.sim.chips.pins import FakePwm
from drivers.heater import PwmHeater

SAMPLE_MS = 10_000


class Box:
    """A battery in its box on a sunny winter hour: the panel gives `sun_w`, the bench needs
    `need_w`; the heater takes its share of `heater_w`; the controller charges only at 0 C or
    above (docs/plant.md). Temperature in m C, heat capacity J/K, loss W/K."""

    def __init__(self, air_mc, sun_w, need_w=0.2, heater_w=10.0, heat_j_k=4000.0, loss_w_k=0.5):
        self.air_mc, self.temp_mc, self.sun_w, self.need_w = air_mc, air_mc, sun_w, need_w
        self.heater_w, self.heat_j_k, self.loss_w_k = heater_w, heat_j_k, loss_w_k
        self.charged_wh = 0.0
        self.drawn_wh = 0.0  # taken from the battery
        self.temps = []

    def step(self, share_pm):
        heat_w = self.heater_w * share_pm / 1000
        spare_w = self.sun_w - self.need_w - heat_w
        ma = 0
        if spare_w < 0:
            self.drawn_wh += -spare_w * SAMPLE_MS / 3_600_000
            ma = int(spare_w / 13.0 * 1000)
        elif self.temp_mc >= 0:
            self.charged_wh += spare_w * SAMPLE_MS / 3_600_000
            ma = int(spare_w / 13.0 * 1000)
        watts = heat_w - self.loss_w_k * (self.temp_mc - self.air_mc) / 1000
        self.temp_mc += int(watts * SAMPLE_MS / 1000 / self.heat_j_k * 1000)
        self.temps.append(self.temp_mc)
        return ma


def heating():
    lines = []
    pwm = FakePwm()
    return BatteryHeating(PwmHeater(pwm), 10, Log(lines.append)), pwm, lines


def run(box, hours, solar_mv=17000):
    h, _, lines = heating()
    ma = 0
    for _ in range(int(hours * 3600_000 // SAMPLE_MS)):
        h.update(box.temp_mc, ma, solar_mv)
        ma = box.step(h.share_pm)
    return h, lines


def test_a_frozen_battery_is_warmed_into_the_charge_window_and_then_charged_not_cooked():
    box = Box(air_mc=-8000, sun_w=12.0)
    _, lines = run(box, 5)
    assert any("heater: on" in line for line in lines)
    held = box.temps[len(box.temps) // 2:]
    assert min(held) >= 0 and sum(held) / len(held) < 2500, "held just inside the charge window"
    # Holding +1..+3 C against -8 C air costs about 5 W; the rest of 11.8 W charges the cells.
    assert box.charged_wh > 0.45 * (12.0 - 0.2) * 4
    assert box.drawn_wh < 0.05


def test_no_heat_in_the_dark_and_none_for_a_warm_battery():
    box = Box(air_mc=-8000, sun_w=0.0)
    h, _ = run(box, 2, solar_mv=0)
    assert h.share_pm == 0 and box.drawn_wh < 0.2 * 2 + 1e-9
    warm = Box(air_mc=8000, sun_w=12.0)
    h, lines = run(warm, 2)
    assert h.share_pm == 0 and not any("heater: on" in line for line in lines)


@settings(max_examples=40, deadline=None)
@given(st.integers(-25_000, 4_000), st.floats(0.0, 30.0), st.floats(0.05, 2.0), st.floats(1.0, 20.0))
def test_the_heater_never_runs_the_battery_down(air_mc, sun_w, need_w, heater_w):
    # Whatever the sun, the cold and the pad: the battery gives at most what the bench itself
    # needs, the 5 mA the current monitor cannot tell from nothing (bench/heating.py _DRAW_MA),
    # and a few samples of the heater before it backs off.
    box = Box(air_mc, sun_w, need_w, heater_w)
    hours = 3
    run(box, hours)
    own_wh = max(0.0, need_w - sun_w) * hours
    deadband_wh = 0.005 * 13.0 * hours
    assert box.drawn_wh <= own_wh + deadband_wh + heater_w * 40 * SAMPLE_MS / 3_600_000 + 1e-6

