"""LoRa time on air against the Semtech formula's test vectors, and the airtime budget: no
24 h window ever exceeds TTN's 30 s, whatever the data rates, outages and backlogs."""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.airtime import AirtimeBudget, airtime_us, phy_airtime_us, report_interval_s


@pytest.mark.parametrize(("pl", "sf", "ms"), [(10, 7, 41.216), (13, 9, 164.864), (12, 9, 144.384),
                                              (10, 11, 577.536), (17, 12, 1318.912)])
def test_time_on_air_matches_the_vectors_of_domain_facts(pl, sf, ms):
    assert phy_airtime_us(pl, sf) == round(ms * 1000)


@pytest.mark.parametrize(("sf", "ms"), [(7, 61.7), (9, 205.8), (10, 411.6), (12, 1482.8)])
def test_a_12_byte_report_costs_what_domain_facts_says(sf, ms):
    assert abs(airtime_us(12, sf) / 1000 - ms) < 0.05


def test_airtime_grows_in_symbol_steps():
    assert airtime_us(10, 7) == airtime_us(12, 7)


@pytest.mark.parametrize(("sf", "minutes"), [(7, 15), (8, 15), (9, 15), (10, 30), (11, 60), (12, 120)])
def test_report_interval_adapts_to_the_spreading_factor(sf, minutes):
    assert report_interval_s(900, 12, sf) == minutes * 60


def test_the_duty_cycle_closes_the_sub_band_for_99_times_the_airtime():
    b = AirtimeBudget()
    toa = airtime_us(12, 12)
    assert b.allows(0, toa)
    b.spend(0, toa)
    assert not b.allows(toa * 100 // 1000 - 1, toa)
    assert b.allows((toa * 100 + 999) // 1000, toa)


def test_ten_downlinks_a_day():
    b = AirtimeBudget()
    for i in range(10):
        assert b.downlink_allowed(i * 1000)
        b.downlink(i * 1000)
    assert not b.downlink_allowed(20_000)
    assert b.downlink_allowed(86_400_000 + 1000)


@settings(max_examples=60)
@given(st.lists(st.tuples(st.integers(1, 3_600_000), st.integers(7, 12), st.integers(1, 51), st.integers(1, 30)),
                min_size=1, max_size=200))
def test_no_24_hour_window_ever_exceeds_the_budget(requests):
    """Bursts of up to 30 frames (a backlog after an outage) at any data rate and gap."""
    b = AirtimeBudget()
    now = 0
    sent = []
    for gap, sf, size, burst in requests:
        now += gap
        for k in range(burst):
            t = now + k * 1000
            toa = airtime_us(size, sf)
            if b.allows(t, toa):
                b.spend(t, toa)
                sent.append((t, toa))
    start = 0
    window = 0
    for t, toa in sent:
        window += toa
        while t - sent[start][0] >= 86_400_000:
            window -= sent[start][1]
            start += 1
        assert window <= 30_000_000
    for (t1, toa1), (t2, _) in itertools.pairwise(sent):
        assert t2 - t1 >= toa1 * 100 // 1000  # the duty cycle held between every two frames
