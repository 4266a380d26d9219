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


def test_a_book_that_is_not_whole_counts_the_whole_day_as_spent():
    whole = AirtimeBudget()
    whole.spend(0, 41_216)
    text = whole.saved(0)
    for bad in ("", "garbage", "1,2,3", ";", ";;;", ",".join(["1"] * 97) + ";-5",
                text[:-1], text[:len(text) // 2], text.replace("42;", "41;"), text + "0",
                "x" * 5000, ",".join(["9" * 40] * 97) + ";;0;0000"):
        b = AirtimeBudget()
        assert not b.restore(bad), bad
        assert b.spent_us(0) == 30_000_000 and not b.allows(86_399_000, 41_216)
        assert not b.downlink_allowed(86_399_000)
        assert b.allows(86_400_000 + 900_000, 41_216) and b.downlink_allowed(86_400_000)


def test_more_than_ten_downlinks_are_kept_as_the_newest_ten_and_read_back():
    b = AirtimeBudget()
    for i in range(25):  # the server's own, JoinAccepts, link-check answers: all heard
        b.downlink(i * 60_000)
    assert len(b.downlink_times) == 10 and not b.downlink_allowed(24 * 60_000)
    again = AirtimeBudget()
    assert again.restore(b.saved(24 * 60_000))
    assert not again.downlink_allowed(0)
    # the oldest kept was heard 9 minutes before the newest: it frees 24 h minus 9 min later
    assert again.downlink_wait_ms(0) == 86_400_000 - 9 * 60_000
    legacy = ",".join(["0"] * 97) + ";" + ",".join(str(60 * k) for k in range(11))  # firmware 0.1.0
    old = AirtimeBudget()
    assert old.restore(legacy) and not old.downlink_allowed(0)


def test_the_duty_cycle_wait_survives_a_reset():
    b = AirtimeBudget()
    b.spend(5000, 1_318_912)  # SF12: the sub-band closes for 99 x 1.32 s after it
    again = AirtimeBudget()
    assert again.restore(b.saved(5000))
    assert not again.allows(131_000, 1000) and again.allows(132_000, 1000)


@settings(max_examples=150)
@given(st.lists(st.tuples(st.integers(1, 300_000) | st.integers(1, 7_200_000), st.integers(10, 12) | st.integers(7, 12),
                          st.integers(1, 51), st.integers(0, 20),
                          st.sampled_from(["none", "reset", "torn", "garbage"]), st.integers(0, 30),
                          st.integers(0, 3), st.booleans()), min_size=1, max_size=120))
def test_resets_torn_books_and_downlink_storms_never_let_a_day_exceed_fair_use(steps):
    """The budget goes to flash after every booking, before the frame or the request it books
    goes on the air, and comes back at boot as if no time had passed; the bench's uptime starts
    again at 0. A write torn by a reset leaves the book before it, and what it booked never
    went; a book written over by something else is read as the worst. The server may send as
    many downlinks as it likes; the bench asks for one (a join or a link check) only when
    fewer than ten were heard in 24 h. Whatever the order, no 24 h window of real time holds
    more than 30 s of airtime, or more than ten downlinks asked for."""
    b = AirtimeBudget()
    saved = previous = None
    last = None  # what the newest save booked: a torn write undoes it
    real = uptime = 0
    sent, asked = [], []

    def save(what, now):
        nonlocal saved, previous, last
        previous, saved, last = saved, b.saved(now), what

    for gap, sf, size, burst, boot, pushed, requests, hourly in steps:
        real += gap
        uptime += gap
        if boot != "none":
            if boot == "torn" and last is not None:
                last.pop()  # the reset cut the booking's write: the frame or request never left
                saved, last = previous, None
            b = AirtimeBudget()
            text = saved if boot != "garbage" else ("1,2;" if saved else None)
            if text is not None:
                b.restore(text)
            uptime = 0
        toa = airtime_us(size, sf)
        at = 0
        for _ in range(burst):  # a backlog: each frame as soon as the budget lets it go
            wait = b.wait_ms(uptime + at, toa)
            if wait > 3_600_000:
                break
            at += wait
            if b.allows(uptime + at, toa):
                b.spend(uptime + at, toa)
                sent.append((real + at, toa))
                save(sent, uptime + at)
            at += 1000
        real += at
        uptime += at
        for k in range(pushed):  # the server's own downlinks: heard, never asked for
            b.downlink(uptime + 20_000 + k)
            save(None, uptime + 20_000 + k)
        for k in range(requests):
            if b.downlink_allowed(uptime + 30_000 + k):
                b.downlink(uptime + 30_000 + k)
                asked.append(real + 30_000 + k)
                save(asked, uptime + 30_000 + k)
        real += 31_000
        uptime += 31_000
        if hourly:
            save(None, uptime)
    for t, _ in sent:
        assert sum(a for s, a in sent if t <= s < t + 86_400_000) <= 30_000_000
    for t in asked:
        assert sum(1 for s in asked if t <= s < t + 86_400_000) <= 10


def test_a_bench_resetting_every_six_hours_still_sees_its_budget_free_after_a_day():
    # The book is saved hourly as well as at each booking: the uptime a life ran is not lost.
    b = AirtimeBudget()
    for k in range(10):
        b.downlink(k * 1000)
    b.spend(20_000, 7_000_000)
    real = 0
    for _ in range(8):  # a life of 6 h, saved each hour, then a reset
        uptime = 0
        for _ in range(6):
            uptime += 3_600_000
            text = b.saved(uptime)
        real += uptime
        b = AirtimeBudget()
        assert b.restore(text)
        if real >= 86_400_000 + 3_600_000:
            break
    assert real <= 30 * 3_600_000
    assert b.downlink_allowed(0) and b.spent_us(0) == 0
