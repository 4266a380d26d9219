"""The project's own trace fuzzer (benchctl.hostile): random valid traces with resets, torn
writes, faults, links, SF changes, downlinks of every FPort and length, console noise and
closed-loop plants replay to exit 0 and keep every invariant; a share of them gives the same
bytes under MicroPython. A few here; `make fuzz` runs many more."""

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchctl import hostile

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"


@pytest.mark.fuzz
@settings(max_examples=300 if LONG else 10, deadline=None, derandomize=not LONG)
@given(st.integers(0, 2**32 - 1))
def test_a_random_valid_trace_replays_and_keeps_every_invariant(tmp_path_factory, seed):
    run = hostile.run_one(seed, compare=seed % 3 == 0, work=tmp_path_factory.mktemp("hostile"))
    assert run["problems"] == [], f"seed {seed} ({run['board']}, {run['days']} d): {run['problems']}"


def test_the_generator_reaches_what_it_claims(tmp_path):
    # Over a few seeds: every board, closed loops, resets torn and not, every event kind.
    seen = {"boards": set(), "closed": set(), "keys": set()}
    import json

    for seed in range(40):
        path = tmp_path / f"{seed}.jsonl"
        made = hostile.hostile_trace(seed, path)
        seen["boards"].add(made["board"])
        seen["closed"].add(made["closed"])
        for line in path.read_text().splitlines()[1:]:
            seen["keys"] |= set(json.loads(line))
    assert seen["boards"] == set(hostile.BOARDS) and seen["closed"] == {True, False}
    assert {"reset", "torn_write", "fault", "link", "sf", "downlink", "console", "poa_wm2"} <= seen["keys"]


def test_the_invariants_can_fail(tmp_path):
    # A summary that does not add up, airtime over fair use, an uplinks.jsonl that disagrees.
    (tmp_path / "uplinks.jsonl").write_text('{"t": 10, "airtime_s": 31.0}\n')
    summary = {"reports": {"generated": 5, "delivered": 3, "queued": 1, "dropped": 0}, "resets": {},
               "max_airtime_24h_with_joins_s": 31.0, "max_requested_downlinks_24h": 11, "sit_sessions": 0,
               "occupied_s": 0, "charge_sessions": 0, "port_energy_wh": 0, "uplinks": 2, "joins": 0,
               "airtime_s": 31.0, "duration_s": 5}
    found = hostile.problems(summary, tmp_path)
    assert len(found) == 6, found
