"""Energy and units in integers: nothing is lost however small the steps, and decimals print
the same on every port."""

from hypothesis import given
from hypothesis import strategies as st

from bench.energy import Energy
from bench.units import clock, fixed


@given(st.lists(st.tuples(st.integers(-10_000_000, 200_000_000), st.integers(-10, 600_000)), max_size=200))
def test_energy_adds_up_exactly_in_microwatt_hours(flows):
    e = Energy()
    total_nj = 0
    for uw, dt in flows:
        e.add(uw, dt)
        if uw > 0 and dt > 0:
            total_nj += uw * dt
    assert e.uwh() == total_nj // 3_600_000
    assert e.mwh == total_nj // 3_600_000_000


def test_a_year_of_small_steps_is_not_lost():
    # 1 mW for 10 s, a year long: 8.76 Wh. A float32 total would stall long before.
    e = Energy()
    for _ in range(365 * 8640):
        e.add(1000, 10_000)
    assert e.mwh == 8760


@given(st.integers(-10**12, 10**12), st.integers(0, 6))
def test_fixed_prints_the_exact_decimal(value, places):
    text = fixed(value, places)
    whole, _, frac = text.lstrip("-").partition(".")
    assert int(whole + frac.ljust(places, "0")) == abs(value)
    assert text.startswith("-") == (value < 0)
    assert not frac.endswith("0")


def test_clock():
    assert clock(90061000) == "1d 01:01:01"
    assert clock(59000) == "00:00:59"


@given(st.integers(0, 2**30 - 1), st.integers(-(2**29) + 1, 2**29 - 1))
def test_ticks_diff_is_right_across_the_wrap(start, delta):
    from bench.ticks import ticks_diff

    assert ticks_diff((start + delta) & (2**30 - 1), start) == delta
