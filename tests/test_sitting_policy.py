"""Sitting sessions and the energy policy: state machines under hand cases and hypothesis."""

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from bench.config import Config
from bench.log import Log
from bench.policy import NORMAL, QI_OFF, SLOW, SURVIVAL, USB_OFF, EnergyPolicy
from bench.sitting import SittingSessions

S = 1000
VACANT, MIN, MAX = 90 * S, 30 * S, 14400 * S


def run_sitting(presence, step_s=10):
    out = []
    sit = SittingSessions(Log(out.append))
    for i, present in enumerate(presence):
        sit.update(i * step_s * S, present, VACANT, MIN, MAX)
    return sit


def test_pir_flicker_within_a_sitting_is_one_session():
    # present every third sample (gaps of 20 s) for ten minutes
    sit = run_sitting([i % 3 == 0 for i in range(60)] + [False] * 20)
    assert sit.count == 1
    assert sit.occupied_ms == 57 * 10 * S


def test_a_pause_longer_than_vacant_after_splits_two_sessions():
    sit = run_sitting([True] * 10 + [False] * 10 + [True] * 10 + [False] * 20)
    assert sit.count == 2


def test_a_passer_by_is_too_short_to_count():
    sit = run_sitting([False, True, True, False] + [False] * 20)
    assert sit.count == 0 and sit.too_short == 1


def test_a_stuck_sensor_is_closed_at_four_hours_and_flagged():
    sit = run_sitting([True] * (5 * 360))
    assert sit.stuck == 1 and sit.count == 1
    assert sit.occupied_ms == MAX


@given(st.lists(st.booleans(), max_size=400), st.integers(1, 60))
def test_sessions_never_overlap_and_add_up_to_the_occupied_time(presence, step_s):
    sit = SittingSessions(Log(lambda line: None))
    ended = []
    for i, present in enumerate(presence):
        before = sit.count
        sit.update(i * step_s * S, present, VACANT, MIN, MAX)
        if sit.count > before:
            ended.append(sit.recent[-1])
    for (s1, d1), (s2, _) in itertools.pairwise(ended):
        assert s1 + d1 <= s2
    assert sum(d for _, d in ended) == sit.occupied_ms // 1000
    assert all(d >= MIN // S for _, d in ended)
    assert sum(sit.buckets) == sit.count


def policy_cfg():
    return Config().v


def test_the_ladder_sheds_qi_then_usb_then_reports_then_survives():
    p = EnergyPolicy(Log(lambda line: None))
    cfg = policy_cfg()
    levels = []
    for usable in (700, 590, 290, 190, 90):
        p.update(usable, 20000, cfg)
        levels.append(p.level)
    assert levels == [NORMAL, QI_OFF, USB_OFF, SLOW, SURVIVAL]
    assert p.report_interval_s(cfg) == cfg["heartbeat_s"]
    assert not p.usb_allowed() and not p.qi_allowed()


def test_a_load_returns_only_after_the_hysteresis():
    p = EnergyPolicy(Log(lambda line: None))
    cfg = policy_cfg()
    p.update(290, 20000, cfg)
    assert p.level == USB_OFF
    p.update(320, 20000, cfg)
    assert p.level == USB_OFF  # above 30 % but not 35 %
    p.update(350, 20000, cfg)
    assert p.level == QI_OFF


def test_below_freezing_the_loads_go_earlier_but_the_controller_does_not():
    p = EnergyPolicy(Log(lambda line: None))
    cfg = policy_cfg()
    p.update(350, -5000, cfg)
    assert p.level == USB_OFF  # 35 % < 30 % + 10 % cold shift
    p.update(150, -5000, cfg)
    assert p.level == SLOW  # 15 %: no shift for the report cadence


def test_outside_the_discharge_window_ports_are_off_whatever_the_charge():
    p = EnergyPolicy(Log(lambda line: None))
    p.update(1000, -25000, policy_cfg())
    assert not p.usb_allowed()


def test_ports_kept_on_to_the_end_still_let_reports_slow_down_and_survive():
    # The "ports always on" reference policy of the energy benchmark: pad and USB never shed.
    p = EnergyPolicy(Log(lambda line: None))
    cfg = dict(policy_cfg(), shed_qi_pct=0, shed_usb_pct=0)
    p.update(150, 20000, cfg)
    assert p.level == SLOW and p.usb_allowed() is False  # slow-reports is below usb-off
    p.update(50, 20000, cfg)
    assert p.level == SURVIVAL
    p.update(260, 20000, cfg)
    assert p.level == NORMAL


@settings(max_examples=300)
@given(st.lists(st.integers(0, 100), min_size=4, max_size=4), st.integers(1, 30),
       st.lists(st.integers(0, 1000), max_size=60))
def test_any_thresholds_give_the_deepest_level_the_charge_is_under(limits, hyst, charges):
    cfg = dict(policy_cfg(), shed_qi_pct=limits[0], shed_usb_pct=limits[1], slow_report_pct=limits[2],
               survival_pct=limits[3], hysteresis_pct=hyst)
    p = EnergyPolicy(Log(lambda line: None))
    for usable in charges:
        before = p.level
        p.update(usable, 20000, cfg)
        under = [i + 1 for i, pct in enumerate(limits) if usable < pct * 10]
        deepest = max(under, default=NORMAL)
        assert p.level >= deepest  # never less shed than the charge calls for
        if p.level > deepest:  # more shed only while inside a hysteresis band, never deeper than before
            assert p.level <= before and usable < limits[p.level - 1] * 10 + hyst * 10


@given(st.lists(st.tuples(st.integers(0, 1000), st.integers(-40000, 70000)), max_size=100))
def test_the_level_is_always_on_the_ladder_and_moves_with_reason(steps):
    p = EnergyPolicy(Log(lambda line: None))
    cfg = policy_cfg()
    for usable, temp in steps:
        before = p.level
        p.update(usable, temp, cfg)
        assert NORMAL <= p.level <= SURVIVAL
        if p.level > before and not p.outside:
            # shedding more only when the charge is below that level's threshold
            assert usable < (cfg["shed_qi_pct"] + cfg["cold_shift_pct"]) * 10
        if p.level < before:
            assert usable >= cfg["survival_pct"] * 10 + cfg["hysteresis_pct"] * 10
