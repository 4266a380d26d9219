"""What the bench learns of its days (bench/days.py) for the energy budget: dry days are days
whose battery gave more than it took, a frozen unheated battery waits for spring, and the
figures survive state.json — including the shorter list firmware 0.1 saved."""

from hypothesis import given
from hypothesis import strategies as st

from bench.days import _NO_TEMP as NO_TEMP
from bench.days import DAY_MS, Days

HOUR_MS = 3_600_000


def day(d, into_mw, out_mw, temp_mc=5000, soc_pm=500):
    """One day of hourly samples: the battery takes `into_mw` for 6 h and gives `out_mw` for 18."""
    for h in range(24):
        battery_uw = into_mw * 1000 if 9 <= h < 15 else -out_mw * 1000
        d.add(HOUR_MS, 150_000, battery_uw, temp_mc, 9 <= h < 15)
    assert d.day_over(soc_pm)


def test_a_day_that_gives_more_than_it_takes_is_dry_and_one_that_gains_is_not():
    d = Days()
    day(d, into_mw=200, out_mw=150)  # 1.2 Wh in, 2.7 Wh out
    day(d, into_mw=200, out_mw=150)
    assert d.dry == 2 and d.days_until_charge() == 4
    day(d, into_mw=2000, out_mw=150)  # 12 Wh in
    assert d.dry == 0 and d.days_until_charge() == 2
    day(d, into_mw=0, out_mw=150, soc_pm=950)  # a full battery that gave a little is not dry
    assert d.dry == 0


def test_an_unheated_battery_frozen_this_week_waits_for_spring():
    d = Days()
    day(d, into_mw=0, out_mw=150, temp_mc=-6000)
    assert d.days_until_charge(frozen=True) == 90
    assert d.days_until_charge(frozen=False) == 3
    warm = Days()
    day(warm, into_mw=0, out_mw=150, temp_mc=2000)
    assert warm.days_until_charge(frozen=True) == 3, "frozen now but not this week: a passing frost"


@given(st.lists(st.tuples(st.integers(0, 5000), st.integers(0, 5000), st.integers(-30000, 30000)), max_size=12),
       st.integers(0, DAY_MS // HOUR_MS - 1))
def test_the_days_survive_a_reset(days, hours_into_today):
    d = Days()
    for into_mw, out_mw, temp in days:
        day(d, into_mw, out_mw, temp)
    for _ in range(hours_into_today):
        d.add(HOUR_MS, 150_000, -100_000, 1000, False)
    again = Days()
    assert again.restore(d.saved())
    assert again.saved() == d.saved()
    assert again.days_until_charge(True) == d.days_until_charge(True)
    old = d.saved()[:-1]  # firmware 0.1: no outflow counter
    assert Days().restore(old)
    for bad in (d.saved()[:-2], [*d.saved(), 0], [*d.saved()[:-1], -1], None, "x"):
        assert not Days().restore(bad)


@given(st.lists(st.one_of(st.tuples(st.just("day"), st.integers(-30000, 30000)),
                          st.tuples(st.just("hour"), st.none() | st.integers(-30000, 30000)),
                          st.tuples(st.just("reset"), st.none())), max_size=20))
def test_the_weeks_coldest_is_the_coldest_of_the_ring_and_today(steps):
    """week_min_mc keeps the ring's coldest as days end and state.json restores: it is always
    what a look through the whole ring and today would find."""
    d = Days()
    for kind, temp in steps:
        if kind == "day":
            day(d, 1000, 1000, temp)
        elif kind == "hour":
            d.add(HOUR_MS, 150_000, -100_000, temp, False)
        else:
            again = Days()
            assert again.restore(d.saved())
            d = again
        today = [] if d.min_mc is None else [d.min_mc]
        known = [t for t in d.minima if t != NO_TEMP] + today
        assert d.week_min_mc() == (min(known) if known else None)
