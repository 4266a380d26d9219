"""The MicroPython engine's tape reader (sim/mp_main.py) cuts lines out of blocks itself: every
record comes back whole, wherever the block edges fall."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from benchctl.sim import mp_main

records = st.lists(st.tuples(st.integers(0, 10**12), st.none() | st.dictionaries(
    st.sampled_from(["batt_v", "solar_a", "radar_cm"]), st.none() | st.integers(-10**9, 10**9)),
    st.none() | st.lists(st.tuples(st.just("console"), st.text(max_size=30)), max_size=2)), max_size=40)


@settings(max_examples=200, deadline=None)
@given(records, st.integers(1, 300), st.booleans(), st.integers(0, 2))
def test_every_record_comes_back_whatever_the_block_size(tmp_path_factory, recs, block, newline_at_end, blank):
    path = tmp_path_factory.mktemp("tape") / "tape.jsonl"
    lines = [json.dumps(r, separators=(",", ":"), ensure_ascii=False) for r in recs]
    text = ("\n" * blank).join(["", *lines]) if blank else "\n".join(lines)
    path.write_bytes((text + ("\n" if newline_at_end and text else "")).encode("utf-8"))
    saved = mp_main._BLOCK
    mp_main._BLOCK = block
    try:
        got = list(mp_main._tape(str(path)))
    finally:
        mp_main._BLOCK = saved
    assert got == [json.loads(line) for line in lines]
