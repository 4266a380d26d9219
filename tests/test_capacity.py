"""The fuel gauge learns the battery's real capacity from its anchors (a full charge, a brownout at
the cold-locked bottom): a bench configured 5x too big, or with a battery aged to 60-70 %, is
right after its first full charge or first brownout, and never claims charge it cannot hold."""

from hypothesis import given, settings
from hypothesis import strategies as st

from bench.battery import FULL, Battery, derate_permille
from bench.capacity import EMPTY, Capacity

MS = 10_000  # a 10 s sample
AH = 3_600_000  # mA*s in an Ah


class TrueBattery:
    """What the gauge is checked against: a real capacity, a charge, the cold's locked bottom."""

    def __init__(self, ah, soc_pm):
        self.capacity = ah * AH
        self.charge = self.capacity * soc_pm // 1000

    def locked(self, temp_mc):
        return self.capacity * (1000 - derate_permille(temp_mc)) // 1000

    def flow(self, ma, temp_mc):
        """Carry `ma` for a sample; False when it browns out (reached the cut-off)."""
        self.charge = min(self.capacity, self.charge + ma * MS // 1000)
        return self.charge > self.locked(temp_mc)

    def full(self):
        return self.charge >= self.capacity


def live(gauge, truth, load_ma, charge_ma, temp_mc, cycles):
    """Discharge to a brownout and charge back to full, `cycles` times, with the bench booting
    again after each brownout as main.py does (RAM lost, state.json kept)."""
    brownouts = 0
    for _ in range(cycles):
        gauge.temp_mc = temp_mc  # the bench's first sample sees the battery's temperature
        while truth.flow(-load_ma, temp_mc):
            gauge.temp_mc = temp_mc
            gauge.update(MS, 12_900, -load_ma, 10, 10**12)
        brownouts += 1
        charge, kept, temp = gauge.saved()
        gauge = Battery(gauge.capacity.guess_mas // AH)
        gauge.restore(charge, kept, temp)
        gauge.emptied(12_000)
        while not truth.full():
            truth.flow(charge_ma, 5000)
            gauge.update(MS, 13_500, charge_ma, 10, 10**12)
        for _ in range(20):  # the controller at absorption, the current tapered away
            gauge.update(MS, 14_400, 100, 10, 10**12)
    return gauge, brownouts


@settings(max_examples=60, deadline=None)
@given(true_pm=st.integers(200, 1500), start_pm=st.integers(300, 900), load_ma=st.integers(200, 3000),
       temp_mc=st.integers(-20_000, 25_000))
def test_one_brownout_teaches_the_capacity_for_true_capacities_from_a_fifth_to_one_and_a_half(
        true_pm, start_pm, load_ma, temp_mc):
    configured = 100
    truth = TrueBattery(configured * true_pm // 1000, start_pm)
    gauge = Battery(configured)
    gauge.restore(gauge.capacity_mas * start_pm // 1000)  # a bench in service knows its share
    gauge, _ = live(gauge, truth, load_ma, 5000, temp_mc, 1)
    assert gauge.capacity.measured >= 1
    assert abs(gauge.capacity_mas - truth.capacity) <= truth.capacity * 3 // 100
    # After the full charge that followed, the gauge says full and holds no more than is there.
    assert gauge.soc_permille() == 1000
    assert gauge.charge_mas <= truth.capacity * 103 // 100


@settings(max_examples=40, deadline=None)
@given(aged_pm=st.integers(600, 700), temp_mc=st.integers(-15_000, 20_000))
def test_an_aged_battery_browns_out_once_and_then_never_for_that_reason(aged_pm, temp_mc):
    truth = TrueBattery(100 * aged_pm // 1000, 800)
    gauge = Battery(100)
    gauge.restore(gauge.capacity_mas * 800 // 1000)
    gauge, first = live(gauge, truth, 1000, 5000, temp_mc, 1)
    # From now on the gauge's usable charge reaches zero before the battery does.
    while True:
        gauge.temp_mc = temp_mc
        gauge.update(MS, 12_900, -1000, 10, 10**12)
        if gauge.usable_permille(temp_mc) == 0:
            break
        assert truth.flow(-1000, temp_mc), "a second brownout the gauge did not see coming"
    assert first == 1


def test_a_full_charge_after_a_restored_share_measures_a_battery_five_times_smaller():
    gauge = Battery(100)
    gauge.restore(gauge.capacity_mas * 800 // 1000)  # 80 % of what it thinks is 100 Ah
    truth = TrueBattery(20, 800)
    while not truth.full():
        truth.flow(3000, 10_000)
        gauge.update(MS, 13_500, 3000, 10, 10**12)
    anchors = [gauge.update(MS, 14_400, 100, 10, 10**12) for _ in range(19)]
    assert FULL in anchors
    assert abs(gauge.capacity_mas - 20 * AH) <= AH // 2
    assert gauge.soc_permille() == 1000


def test_a_brownout_with_the_battery_resting_in_the_middle_of_its_curve_is_not_an_anchor():
    gauge = Battery(100)
    gauge.restore(gauge.capacity_mas // 2)
    assert gauge.emptied(13_100) is False
    assert gauge.soc_permille() == 500 and gauge.capacity.measured == 0


@given(st.lists(st.tuples(st.sampled_from([1, 2, 3]), st.integers(0, 1000), st.integers(-10**9, 10**9)),
                max_size=30))
def test_the_estimate_stays_within_a_tenth_and_twice_the_guess_whatever_the_anchors(anchors):
    cap = Capacity(100 * AH)
    for kind, level, counted in anchors:
        cap.net_mas = counted
        cap.set_anchor(kind, level)
        assert 10 * AH <= cap.mas <= 200 * AH
        assert 0 <= cap.sure_pct() <= 100


@given(st.lists(st.integers(-(2**40), 2**40), min_size=0, max_size=9))
def test_a_damaged_gauge_in_state_json_is_refused_whole(values):
    cap = Capacity(100 * AH)
    before = cap.saved()
    if not cap.restore(values):
        assert cap.saved() == before


def test_the_gauge_survives_state_json_and_keeps_counting_from_its_anchor():
    a = Capacity(100 * AH)
    a.set_anchor(EMPTY, 250)
    a.net_mas = 30 * AH
    b = Capacity(100 * AH)
    assert b.restore(a.saved())
    assert b.set_anchor(FULL, 1000) == 30 * AH * 1000 // 750


def test_a_supply_dip_on_a_first_boot_leaves_the_charge_to_the_voltage_curve():
    gauge = Battery(100)
    assert gauge.emptied(13_100) is False and gauge.charge_mas is None
    gauge.update(0, 13_100, 0, 10, 10**12)
    assert gauge.soc_permille() > 500


def test_a_brownout_before_any_temperature_is_no_anchor_and_claims_nothing():
    # Browned out before the bench ever read the battery's temperature: the bottom was
    # somewhere in the cold-locked 0..30 %, so the gauge claims no usable charge and measures
    # nothing from that level; the next full charge and brownout teach it.
    truth = TrueBattery(40, 300)
    gauge = Battery(100)
    gauge.restore(gauge.capacity_mas * 300 // 1000)
    assert gauge.temp_mc is None
    assert gauge.emptied(12_000) is None
    assert gauge.capacity.measured == 0 and gauge.usable_permille(-20_000) == 0
    gauge, _ = live(gauge, truth, 1000, 5000, -5000, 2)
    assert gauge.capacity.measured >= 1
    assert abs(gauge.capacity_mas - truth.capacity) <= truth.capacity * 3 // 100
