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


def test_no_hour_spends_more_than_a_quarter_of_the_day():
    b = AirtimeBudget()
    t, spent = 0, 0
    while b.allows(t, 61_696):  # 12-byte frames at SF7, as fast as the duty cycle allows
        b.spend(t, 61_696)
        spent += 61_696
        t += 6_200
    assert 7_000_000 < spent <= 7_500_000
    assert b.wait_ms(t, 61_696) > 0


def test_a_refund_gives_back_only_what_is_still_in_its_quarter_hour():
    b = AirtimeBudget()
    b.spend(1000, 500_000)
    assert b.refund(2000, 500_000, 1000) and b.spent_us(2000) == 0
    b.spend(3000, 500_000)
    assert not b.refund(1_000_000, 500_000, 3000)  # a new quarter hour began: it stays spent
    assert b.spent_us(1_000_000) == 500_000


def test_a_torn_or_foreign_budget_file_counts_this_hour_as_spent():
    for text in ("", "garbage", "1,2,3", ";", ",".join(["1"] * 97) + ";-5", ",".join(["1"] * 97) + ";" + ",".join(["1"] * 11)):
        b = AirtimeBudget()
        assert not b.restore(text)
        assert not b.allows(0, 50_000) or b.spent_us(0) >= 7_500_000
        assert not b.downlink_allowed(0)


@settings(max_examples=60)
@given(st.lists(st.tuples(st.integers(1, 7_200_000), st.integers(7, 12), st.integers(1, 51), st.integers(1, 20),
                          st.booleans(), st.integers(0, 3)), min_size=1, max_size=120))
def test_resets_at_any_moment_never_let_a_day_exceed_the_budget(steps):
    """The budget goes to flash after every booking and downlink, and comes back at boot as if no time had
    passed; the bench's uptime starts again at 0. Whatever the resets, frames and downlinks,
    no 24 h window of real time holds more than 30 s of airtime or more than 10 downlinks."""
    b = AirtimeBudget()
    saved = None
    real = uptime = 0
    sent, downs = [], []
    for gap, sf, size, burst, reset, downlinks in steps:
        real += gap
        uptime += gap
        if reset:
            b = AirtimeBudget()
            if saved is not None:
                assert b.restore(saved)
            uptime = 0
        for k in range(burst):
            toa = airtime_us(size, sf)
            if b.allows(uptime + k * 1000, toa):
                b.spend(uptime + k * 1000, toa)
                saved = b.saved()
                sent.append((real + k * 1000, toa))
        for k in range(downlinks):
            if b.downlink_allowed(uptime + 30_000 + k):
                b.downlink(uptime + 30_000 + k)
                saved = b.saved()
                downs.append(real + 30_000 + k)
        real += 31_000
        uptime += 31_000
    for t, _ in sent:
        assert sum(a for s, a in sent if t <= s < t + 86_400_000) <= 30_000_000
    for t in downs:
        assert sum(1 for s in downs if t <= s < t + 86_400_000) <= 10
