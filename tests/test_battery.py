"""Battery: coulomb counting in integers, rest-voltage correction at the ends, derating."""

from hypothesis import given
from hypothesis import strategies as st

from bench.battery import Battery, derate_permille, ocv_permille

HOUR = 3_600_000
REST_MA, REST_MS = 500, 1_800_000


def started(ah=100, permille=500):
    b = Battery(ah)
    b.restore(b.capacity_mas * permille // 1000)
    return b


def test_first_voltage_sets_an_estimate_from_the_curve():
    b = Battery(100)
    b.update(0, 13000, 0, REST_MA, REST_MS)
    assert b.soc_permille() == 500 and b.estimated


def test_ten_amps_for_an_hour_is_ten_percent_of_100_ah():
    b = started()
    b.update(HOUR, 13100, 10_000, REST_MA, REST_MS)
    assert b.soc_permille() == 600


def test_small_currents_add_up_exactly_over_a_year():
    # 7 mA for 10 s, 3.15 million times: a float32 total would stall; integers do not.
    b = started(permille=0)
    for _ in range(1000):
        b.update(10_000, 12500, 7, 0, 10**12)
    assert b.charge_mas == 7 * 10 * 1000


def test_fractions_of_a_milliamp_second_carry_over():
    b = started()
    start = b.charge_mas
    for _ in range(1000):
        b.update(1, 13000, 3, 0, 10**12)  # 3 mA for 1 ms, a thousand times = 3 mA*s
    assert b.charge_mas - start == 3


def test_rest_voltage_corrects_near_the_full_end_only():
    b = started(permille=700)
    assert not b.update(REST_MS // 2, 13450, 100, REST_MA, REST_MS)
    assert b.update(REST_MS // 2, 13450, 100, REST_MA, REST_MS)
    assert b.soc_permille() == ocv_permille(13450) and not b.estimated


def test_flat_middle_of_the_curve_never_corrects():
    b = started(permille=300)
    for _ in range(10):
        assert not b.update(REST_MS, 13050, 0, REST_MA, REST_MS)
    assert b.soc_permille() == 300


def test_a_current_above_rest_restarts_the_rest_timer():
    b = started(permille=700)
    b.update(REST_MS - 1, 12300, 0, REST_MA, REST_MS)
    b.update(1000, 12300, -2000, REST_MA, REST_MS)
    assert not b.update(REST_MS - 1, 12300, 0, REST_MA, REST_MS)


def test_cold_locks_away_the_bottom_of_the_capacity():
    assert derate_permille(25000) == 1000
    assert derate_permille(0) == 800
    assert derate_permille(-20000) == 700
    assert derate_permille(-30000) == 700
    b = started(permille=300)
    assert b.usable_permille(25000) == 300
    assert b.usable_permille(-20000) == 0  # the lowest 30 % cannot be taken out at -20 C
    assert b.usable_permille(0) == (300 - 200) * 1000 // 800


@given(st.lists(st.tuples(st.integers(0, 600_000), st.integers(9000, 15000), st.integers(-30_000, 30_000),
                          st.integers(-40_000, 60_000)), max_size=60),
       st.integers(1, 400))
def test_state_of_charge_stays_within_0_and_1(steps, ah):
    b = Battery(ah)
    for dt, mv, ma, temp in steps:
        b.update(dt, mv, ma, REST_MA, REST_MS)
        assert 0 <= b.soc_permille() <= 1000
        assert 0 <= b.usable_permille(temp) <= 1000
        assert 0 <= b.charge_mas <= b.capacity_mas


@given(st.integers(9000, 15000), st.integers(9000, 15000))
def test_the_curve_is_monotonic(a, b):
    if a <= b:
        assert ocv_permille(a) <= ocv_permille(b)


@given(st.lists(st.tuples(st.integers(-40000, 45000), st.integers(1, 400)), min_size=1, max_size=30))
def test_the_locked_charge_it_remembers_is_the_one_it_would_work_out(asks):
    """locked_mas keeps two answers (the coldest days ahead and now, asked in turn each sample):
    whatever the order of temperatures and capacities, it answers as the formula does."""
    b = Battery(100)
    for temp, ah in asks:
        b.capacity.mas = ah * 3_600_000
        assert b.locked_mas(temp) == b.capacity.mas * (1000 - derate_permille(temp)) // 1000
