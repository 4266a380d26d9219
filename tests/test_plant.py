"""The power plant of closed-loop replays against hand-checked cases, energy conservation
across the plant, and batteries that never go negative or over-full whatever the weather and
the demand."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchctl.plant import params
from benchctl.plant.battery import ocv_mv, usable_ppm
from benchctl.plant.panel import panel_mw
from benchctl.plant.plant import Plant
from benchctl.replay import ReplayError, replay
from conftest import write_trace

P = params.scaled(params.check({}))


def quiet(**over):
    """A plant whose electronics draw nothing, so a case can be checked by hand."""
    values = params.check({"board_sleep_ma": 0, "board_awake_ma": 0, "radar_ma": 0, "modem_tx_ma": 0,
                           "controller_ma": 0, **over})
    return params.scaled(values)


def test_a_100_wp_panel_gives_100_w_at_1000_wm2_and_25_c_in_the_cell():
    # NOCT model: the cell is 25 C above... (45 - 20) x 1000 / 800 = 31.25 C above the air.
    assert panel_mw(1000, 25000 - 31250, P) == 100_000
    # 500 W/m2 at 20 C air: cell 35.625 C, -0.4 %/C x 10.625 C = -4.25 %: 47.875 W.
    assert panel_mw(500, 20000, P) == 47_875
    assert panel_mw(0, 20000, P) == 0


def test_rest_voltage_and_cold_capacity_follow_domain_facts():
    assert ocv_mv(500_000) == 13_000 and ocv_mv(100_000) == 12_000
    assert ocv_mv(300_000) >= 12_900 and ocv_mv(800_000) <= 13_300
    assert usable_ppm(-20_000) == 700_000 and usable_ppm(0) == 800_000 and usable_ppm(25_000) == 1_000_000


def test_two_hours_of_half_sun_charge_a_half_full_battery_by_seven_percent():
    # 47.875 W x 0.95 = 45.48 W into a battery at about 13.0-13.05 V: 3.49 A for 2 h = 6.98 Ah
    # of 100 Ah. The battery stays warm (the air is 20 C and so is it).
    plant = Plant(quiet(initial_soc=0.5), 3, False, air_mc=20000)
    plant.poa_mwm2, plant.air_mc = 500_000, 20000
    for _ in range(720):
        plant.step(10_000, [0, 0, 0], False, False)
    gained = (plant.soc_ppm() - 500_000) / 10_000
    assert 6.8 <= gained <= 7.1
    assert plant.harvest_uws // 3600 == pytest.approx(45_481 * 2 * 1000, rel=0.002)  # uWh


def test_a_phone_on_a_port_at_night_is_paid_from_the_battery_through_the_converter():
    # 2 A at 5 V for an hour: 10 Wh at the port, 10 / 0.9 = 11.1 Wh from the battery.
    plant = Plant(quiet(), 3, False, air_mc=15000)
    plant.demand_ua[0] = 2_000_000
    start = plant.battery.charge
    for _ in range(360):
        plant.step(10_000, [1, 0, 0], False, False)
    assert plant.port_uws // 3600 == 10_000_000
    assert plant.load_uws // 3600 == pytest.approx(11_111_111, rel=0.001)
    ah = (start - plant.battery.charge) / 3_600_000_000
    assert ah == pytest.approx(11.11 / 13.07, rel=0.02)  # near 80 %: about 13.07 V at rest


def test_a_switched_off_port_delivers_nothing_but_its_demand_still_counts():
    plant = Plant(quiet(), 3, False)
    plant.demand_ua[1] = 1_000_000
    plant.step(3_600_000, [1, 0, 1], False, False)
    assert plant.port_uws == 0 and plant.demand_uws == 5_000 * 3_600_000
    assert plant.port_ma == [0, 0, 0]


def test_no_charging_below_freezing_but_the_sun_still_runs_the_loads():
    plant = Plant(P, 3, True, air_mc=-8000)
    plant.battery.temp_mc = -8000
    plant.poa_mwm2, plant.air_mc = 400_000, -8000
    start = plant.battery.charge
    for _ in range(360):
        plant.step(10_000, [0, 0, 0], False, False)
    assert plant.cold_charge_ms == 0
    assert plant.battery.charge == start  # the panel carries the electronics; the battery rests
    assert plant.harvest_uws > 0


def test_a_controller_without_cold_protection_is_booked_charging_cold_and_one_cooling_through_0_c_is_not():
    plant = Plant(dict(P, cold_protect=False), 3, True, air_mc=-8000)
    plant.battery.temp_mc = -8000
    plant.poa_mwm2, plant.air_mc = 400_000, -8000
    for _ in range(6):
        plant.step(10_000, [0, 0, 0], False, False)
    assert plant.cold_charge_ms == 60_000
    cooling = Plant(P, 3, True, air_mc=-30000)
    cooling.battery.charge = cooling.battery.capacity // 2
    cooling.battery.temp_mc = 1  # just above 0 C in a hard frost: it cools through 0 C in this step
    cooling.poa_mwm2 = 400_000
    cooling.step(600_000, [0, 0, 0], False, False)
    assert cooling.battery.temp_mc < 0 and cooling.battery.ma > 0
    assert cooling.cold_charge_ms == 0


def test_the_low_voltage_disconnect_cuts_the_loads_and_gives_them_back_once_the_battery_recovers():
    plant = Plant(P, 3, True, air_mc=10000)
    plant.battery.charge = plant.battery.capacity // 200  # 0.5 %
    plant.demand_ua[0] = plant.demand_ua[1] = 2_400_000
    cut = [plant.step(10_000, [1, 1, 0], False, False) for _ in range(400)]
    assert cut.count(True) == 1 and plant.brownouts == 1 and not plant.on
    assert plant.port_ma == [0, 0, 0]
    plant.poa_mwm2 = 800_000
    steps = 0
    while not plant.on and steps < 10_000:
        plant.step(10_000, [0, 0, 0], False, False)
        steps += 1
    assert plant.on and plant.battery.rest_mv() >= 12_000


def test_a_full_battery_takes_no_more_and_the_panel_backs_off():
    plant = Plant(quiet(initial_soc=1.0), 3, False, air_mc=20000)
    plant.poa_mwm2 = 1_000_000
    plant.step(3_600_000, [0, 0, 0], False, False)
    assert plant.soc_ppm() == 1_000_000 and plant.harvest_uws == 0
    assert plant.controller.in_ma == 0 and plant.controller.in_mv == P["voc_mv"]


steps = st.lists(st.tuples(st.integers(0, 1200), st.integers(-30_000, 40_000), st.integers(0, 3_000_000),
                           st.integers(0, 3_000_000), st.integers(0, 15_000), st.booleans(), st.booleans(),
                           st.booleans(), st.integers(1, 900_000)), min_size=1, max_size=60)


@settings(max_examples=200)
@given(st.floats(0, 1), steps)
def test_no_weather_or_demand_makes_the_battery_negative_or_over_full_and_energy_is_conserved(soc, seq):
    plant = Plant(params.scaled(params.check({"initial_soc": soc})), 3, True)
    b = plant.battery
    for poa, air, d1, d2, qi, on1, on2, qi_on, dt in seq:
        plant.poa_mwm2, plant.air_mc = poa * 1000, air
        plant.demand_ua[0], plant.demand_ua[1], plant.qi_demand_mw = d1, d2, qi
        plant.wakes = dt // 10_000
        plant.step(dt, [on1, on2, 0], qi_on, False)
        assert 0 <= b.charge <= b.capacity
        assert 0 <= plant.soc_ppm() <= 1_000_000
        assert plant.min_soc_ppm <= plant.soc_ppm()
    # harvest = load + change in stored energy + losses, but for integer rounding: the battery
    # current is whole mA, so each step may carry up to 1 mA at the cells' voltage (under 15 V)
    # more or less than the power balance asks, for the whole step.
    balance = plant.harvest_uws - plant.load_uws - b.stored_uws - b.loss_uws
    throughput = plant.harvest_uws + plant.load_uws
    rounding = sum(15 * step[-1] for step in seq)  # mW * ms = uW*s
    assert abs(balance) <= throughput // 200 + 2_000_000 * len(seq) + rounding


def closed_loop_day(tmp_path, plant=None, hours=24, poa=600.0, air=12.0, demand=1.0):
    records = []
    for m in range(0, hours * 60 + 1, 5):
        h = (m / 60) % 24
        records.append({"t": m * 60, "poa_wm2": poa if 8 <= h < 16 else 0.0, "air_c": air,
                        "port1_demand_a": demand if 18 <= h < 20 else 0.0, "sitting": 1 if 12 <= h < 13 else 0})
    return write_trace(tmp_path / "plant.jsonl", records, {"plant": plant or {}})


def test_a_closed_loop_day_reports_the_energy_object_of_replay_v1(tmp_path):
    summary = replay(str(closed_loop_day(tmp_path)), str(tmp_path / "out")).summary
    e = summary["energy"]
    assert set(e) == {"solar_wh", "load_wh", "min_soc", "brownouts", "telemetry_uptime", "port_service_ratio",
                      "cold_charge_s"}
    assert e["brownouts"] == 0 and e["cold_charge_s"] == 0 and e["telemetry_uptime"] == 1.0
    assert e["port_service_ratio"] == 1.0 and summary["charge_sessions_by_port"]["1"] == 1
    assert summary["sit_sessions"] == 1  # the radar saw the sitter the trace says was there
    # 8 h of 600 W/m2 on 100 Wp at 12 C air: about 56 W x 0.95 x 8 h available.
    assert 380 < summary["plant"]["available_wh"] < 460
    assert 0.79 < e["min_soc"] <= 0.8 and summary["plant"]["end_soc"] > 0.8


def test_an_empty_battery_browns_the_bench_out_and_it_restarts_when_the_sun_recharges_it(tmp_path):
    trace = closed_loop_day(tmp_path, {"initial_soc": 0.004, "battery_wh": 200}, hours=48, poa=800.0)
    summary = replay(str(trace), str(tmp_path / "out")).summary
    assert summary["energy"]["brownouts"] >= 1
    assert summary["resets"].get("brownout", 0) >= 1
    console = (tmp_path / "out" / "console.log").read_text()
    assert console.count("reset brownout") == summary["resets"]["brownout"]
    assert summary["energy"]["telemetry_uptime"] < 1.0


def test_bad_plant_parameters_are_refused_with_the_key_named(tmp_path):
    trace = closed_loop_day(tmp_path, {"panel_wp": -5})
    with pytest.raises(ReplayError, match=r"plant panel_wp must be 1\.\.2000"):
        replay(str(trace), str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_the_plant_page_documents_every_parameter():
    from conftest import ROOT

    page = (ROOT / "docs" / "plant.md").read_text()
    for key, default, *_ in params.PARAMS:
        assert f"| `{key}` | {json.dumps(default)} |" in page, key
