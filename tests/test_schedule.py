"""The world's time line (sim/schedule.py): records in their order, fault ends merged in, and
after overlapping faults on one sensor the newest still on is the one it shows."""

from hypothesis import given
from hypothesis import strategies as st

from benchctl.sim.chips.i2c import Fault
from benchctl.sim.schedule import Schedule

ROLES = ("solar", "battery", "radio")
KINDS = (Fault.NACK, Fault.STUCK, Fault.GARBAGE)


def test_a_fault_ending_before_the_next_record_comes_first():
    s = Schedule([(0, {"pir": 1}, None), (60_000, None, None)])
    assert s.peek() == 0 and s.record(0) == ({"pir": 1}, None)
    s.fault("solar", Fault.NACK, 30_000)
    assert s.peek() == 30_000
    assert s.record(30_000) is None  # what is due is the fault's end, not a record
    assert s.ended(30_000) == [("solar", Fault.NONE)]
    assert s.peek() == 60_000 and s.record(60_000) == (None, None) and s.end == 60_000
    assert s.peek() is None and s.over


def test_overlapping_faults_on_one_sensor_leave_the_newest_on():
    s = Schedule([])
    s.fault("battery", Fault.STUCK, 50_000)
    s.fault("battery", Fault.GARBAGE, 20_000)
    assert s.ended(20_000) == [("battery", Fault.STUCK)]  # the older one lasts on
    assert s.ended(49_999) is None
    assert s.ended(50_000) == [("battery", Fault.NONE)]


events = st.lists(st.tuples(st.sampled_from(ROLES), st.sampled_from(KINDS), st.integers(0, 100_000)), max_size=12)
times = st.lists(st.integers(0, 100_000), max_size=12).map(sorted)


@given(times, events)
def test_the_time_line_is_the_merge_of_records_and_fault_ends(record_times, faults):
    """Against a plain model: every record comes once in order, each wake is the soonest of
    the next record and the next fault end, and a role shows the newest of its faults on."""
    s = Schedule([(t, {"n": i}, None) for i, t in enumerate(record_times)])
    on = []  # the model: (end, role, kind, order)
    for order, (role, kind, end) in enumerate(faults):
        s.fault(role, kind, end)
        on.append((end, role, kind, order))
    seen = []
    shows = {}
    while True:
        t = s.peek()
        nexts = [e for e, *_ in on] + record_times[len(seen):len(seen) + 1]
        assert t == (min(nexts) if nexts else None)
        if t is None:
            break
        for role, still in s.ended(t) or ():
            shows[role] = still
        ending = {role for end, role, _, _ in on if end <= t}
        on = [f for f in on if f[0] > t]
        assert s.next_end == (min(e for e, *_ in on) if on else None)  # the world's call-free look
        for role in ending:
            left = [(o, k) for _, r, k, o in on if r == role]
            assert shows[role] == (max(left)[1] if left else Fault.NONE)
        due = s.record(t)
        if due is not None:
            seen.append(due[0]["n"])
            assert s.end == t
    assert seen == list(range(len(record_times))) and s.over
