"""The soak, shortened for the test suite: thirty days of the Smiltene year in closed loop with
seeded faults of every kind, link outages up to ten days, resets (some mid-write), console
nonsense and mangled downlinks, under the real MicroPython port. Nothing raises out of the
loop, every report is accounted for, and the heap stops growing once the queue has filled.
`make soak` runs the whole year."""

from benchctl.figures.soak import soak


def test_thirty_days_of_everything_going_wrong_under_micropython():
    s = soak(days=30, seed=3)
    r = s["reports"]
    assert s["loop_errors"] == 0
    assert r["generated"] == r["delivered"] + r["queued"] + r["dropped"]
    assert r["generated"] > 30 * 60  # it went on reporting through all of it (January may slow it down)
    assert s["events"]["fault"] >= 20 and s["events"]["reset"] >= 3 and s["events"]["link"] >= 2
    days = s["heap_days_kb"]
    assert max(days[10:]) - min(days[10:]) < 3.0, days  # flat once the queue and the server's ledger filled
