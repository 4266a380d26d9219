"""The trace-v1 reader: every rule of shared/spec/trace-v1.md, and errors that name file and line."""

import gzip
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchctl.replay.trace import Trace, TraceError, check
from conftest import write_trace

HEADER = '{"format":"bench-trace","version":1,"bench":"SM-001","start":"2026-06-21T06:00:00Z"}'


def read(tmp_path, text, name="t.jsonl"):
    path = tmp_path / name
    path.write_text(text)
    return list(Trace(path)), path


def error(tmp_path, text):
    with pytest.raises(TraceError) as info:
        read(tmp_path, text)
    return info.value


def test_the_spec_example_reads_into_tape_units(tmp_path):
    text = HEADER + """
{"t":0,"solar_v":18.1,"solar_a":2.3,"batt_v":13.3,"batt_a":1.9,"batt_c":17.5,"air_c":16.0,"pir":0}
{"t":10,"solar_a":2.4,"port1_a":0.0}
{"t":12.5,"pir":1}
{"t":3600,"link":"down"}
{"t":7200,"console":"status"}
"""
    tape, _ = read(tmp_path, text)
    assert tape[0] == (0, {"solar_v": 18_100_000, "solar_a": 2_300_000, "batt_v": 13_300_000, "batt_a": 1_900_000,
                           "batt_c": 17_500, "air_c": 16_000, "pir": 0}, None)
    assert tape[2] == (12_500, {"pir": 1}, None)
    assert tape[3] == (3_600_000, None, [("link", "down")])
    assert tape[4] == (7_200_000, None, [("console", "status")])


def test_blank_and_comment_lines_are_ignored_and_gzip_is_read(tmp_path):
    path = tmp_path / "t.jsonl.gz"
    with gzip.open(path, "wt") as f:
        f.write("# recorded on SM-001\n" + HEADER + '\n\n   # note\n{"t":1,"pir":1}\n')
    trace = Trace(path)
    assert list(trace) == [(1000, {"pir": 1}, None)]
    assert trace.header.bench == "SM-001"


def test_events_are_checked_and_kept_in_file_order(tmp_path):
    text = HEADER + """
{"t":5,"reset":"brownout","torn_write":true,"console":"status"}
{"t":5,"fault":{"sensor":"port2","kind":"garbage","for_s":30},"sf":9}
{"t":6,"downlink":{"fport":10,"hex":"0A1b"}}
"""
    tape, _ = read(tmp_path, text)
    assert tape[0][2] == [("reset", ("brownout", True)), ("console", "status")]
    assert tape[1][2] == [("fault", ("port2", "garbage", 30_000)), ("sf", 9)]
    assert tape[2][2] == [("downlink", (10, "0a1b"))]


@pytest.mark.parametrize(("body", "line", "message"), [
    ('{"t":1,"pir":1}\n{"t":0.5}', 3, "t goes backwards (0.5 after 1)"),
    ('{"pir":1}', 2, "missing t"),
    ('{"t":-1}', 2, "t must be a number >= 0"),
    ('{"t":"soon"}', 2, "t must be a number >= 0"),
    ('{"t":1,"pir":2}', 2, "pir must be 0 or 1"),
    ('{"t":1,"batt_v":"13.2"}', 2, "channel batt_v must be a number or null"),
    ('{"t":1,', 2, "bad JSON"),
    ('[1,2]', 2, "a record must be a JSON object"),
    ('{"t":1,"link":"sideways"}', 2, 'link must be "up" or "down"'),
    ('{"t":1,"sf":13}', 2, "sf must be a whole number 7..12"),
    ('{"t":1,"reset":"magic"}', 2, "reset must be one of"),
    ('{"t":1,"torn_write":true}', 2, "torn_write needs a reset"),
    ('{"t":1,"console":5}', 2, "console must be a string"),
    ('{"t":1,"downlink":{"fport":0,"hex":"00"}}', 2, "downlink fport must be 1..223"),
    ('{"t":1,"downlink":{"fport":1,"hex":"abc"}}', 2, "downlink hex must be an even number of hex digits"),
    ('{"t":1,"fault":{"sensor":"engine","kind":"nack","for_s":1}}', 2, "fault sensor must be one of"),
    ('{"t":1,"fault":{"sensor":"solar","kind":"fire","for_s":1}}', 2, "fault kind must be nack, stuck or garbage"),
    ('{"t":1,"fault":{"sensor":"solar","kind":"nack"}}', 2, "fault must be"),
])
def test_bad_records_name_file_line_and_problem(tmp_path, body, line, message):
    e = error(tmp_path, HEADER + "\n" + body + "\n")
    assert e.line == line and message in e.message
    assert str(e).startswith(f"{tmp_path / 't.jsonl'}:{line}: ")


@pytest.mark.parametrize(("header", "message"), [
    ('{"format":"csv","version":1,"bench":"A","start":"2026-01-01T00:00:00Z"}', "not a bench trace"),
    ('{"format":"bench-trace","version":2,"bench":"A","start":"2026-01-01T00:00:00Z"}',
     "trace version 2 is newer than this benchctl reads (1); update benchctl"),
    ('{"format":"bench-trace","version":1,"bench":"no spaces","start":"2026-01-01T00:00:00Z"}', "bench must be"),
    ('{"format":"bench-trace","version":1,"bench":"A","start":"yesterday"}', "start must be ISO 8601"),
    ('{"format":"bench-trace","version":1,"bench":"A","start":"2026-01-01T00:00:00Z","config":[]}',
     "config must be an object"),
    ('{"format":"bench-trace","version":1,"bench":"A","start":"2026-01-01T00:00:00Z","source":"dream"}',
     "source must be"),
])
def test_bad_headers_are_refused_on_line_1(tmp_path, header, message):
    e = error(tmp_path, header + "\n")
    assert e.line == 1 and message in e.message


def test_an_empty_file_is_refused(tmp_path):
    assert "empty trace" in error(tmp_path, "\n# nothing\n").message


def test_unknown_header_keys_are_kept(tmp_path):
    path = write_trace(tmp_path / "t.jsonl", [{"t": 0}], {"operator": "Ilze"})
    assert Trace(path).header.extra == {"operator": "Ilze"}


def test_radar_null_means_no_target_and_other_nulls_make_a_channel_absent(tmp_path):
    tape, _ = read(tmp_path, HEADER + '\n{"t":0,"radar_cm":null,"batt_v":null}\n')
    assert tape[0][1] == {"radar_cm": None, "batt_v": None}


records = st.lists(st.dictionaries(
    st.sampled_from(["t", "pir", "batt_v", "radar_cm", "link", "console", "reset", "sf", "fault", "x_c"]),
    st.none() | st.booleans() | st.integers(-5, 20) | st.floats(-1e3, 1e3) | st.text(max_size=5)
    | st.dictionaries(st.text(max_size=6), st.integers(), max_size=3),
    max_size=4), max_size=8)


@pytest.mark.fuzz
@given(records)
def test_any_records_either_read_or_fail_with_a_located_message(tmp_path_factory, recs):
    path = tmp_path_factory.mktemp("t") / "t.jsonl"
    path.write_text(HEADER + "\n" + "\n".join(json.dumps(r) for r in recs) + "\n")
    try:
        trace = check(path)
    except TraceError as e:
        assert 2 <= e.line <= len(recs) + 1 and e.message
    else:
        assert trace.duration_ms >= 0


@pytest.mark.fuzz
@given(st.binary(max_size=200))
def test_any_bytes_either_read_or_fail_cleanly(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("t") / "t.jsonl"
    path.write_bytes(raw)
    try:
        check(path)
    except TraceError as e:
        assert e.message


def test_an_event_whose_value_is_an_object_or_a_list_is_named_not_a_crash(tmp_path):
    for bad in ({"reset": {}}, {"reset": []}, {"fault": {"sensor": {}, "kind": "nack", "for_s": 1}},
                {"fault": {"sensor": "solar", "kind": ["nack"], "for_s": 1}}):
        path = tmp_path / "t.jsonl"
        path.write_text('{"format": "bench-trace", "version": 1, "bench": "SM-1", "start": "2026-06-21T00:00:00Z"}\n'
                        + json.dumps({"t": 0, **bad}) + "\n")
        with pytest.raises(TraceError, match=r"t.jsonl:2: (reset|fault) .*must be one of|fault kind must be"):
            check(path)


# The reader's fast way for the usual record (plain numbers in channels seen before) must give
# what the careful way gives, value for value and error for error. Lines are built as text, so
# that NaN, Infinity, huge integers, spaces and trailing junk reach the JSON scanner too.
_NUMBER_TEXT = (st.integers(-10**25, 10**25).map(str) | st.floats(allow_nan=False, allow_infinity=False).map(repr)
                | st.sampled_from(["NaN", "Infinity", "-Infinity", "true", "false", "null", "1e999", "-0.0",
                                   "1000000", "-1000000", "999999.9999", '"1"', "[]", "{}"]))
_LINE = st.lists(st.tuples(st.sampled_from(["solar_v", "batt_a", "radar_cm", "air_c", "pir", "sitting", "x_wm2"]),
                           _NUMBER_TEXT), max_size=4)


def _line(t_text, pairs, junk):
    body = ",".join(f'"{k}":{v}' for k, v in [("t", t_text), *pairs])
    return "{" + body + "}" + junk


def _outcome(path, careful):
    from benchctl.replay import trace as reader

    saved = reader.Trace._record, reader._SCAN
    if careful:  # json.loads alone, and every record checked key by key
        reader._SCAN = None
        reader.Trace._record = lambda self, number, text, last: self._careful(number, self._json(number, text), last)
    try:
        return ("ok", list(Trace(path)))
    except TraceError as e:
        return ("error", e.line, e.message)
    finally:
        reader.Trace._record, reader._SCAN = saved


@pytest.mark.fuzz
@given(st.lists(st.tuples(st.integers(0, 400).map(str) | st.sampled_from(["1e12", "-1", "NaN", "3.5", "true"]),
                          _LINE, st.sampled_from(["", " ", "\t", " x", "}"])), min_size=1, max_size=8))
def test_the_fast_way_reads_every_line_as_the_careful_way_does(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("t") / "t.jsonl"
    # The first record shows every channel once, so that later lines can take the fast way.
    first = '{"t":0,"solar_v":1,"batt_a":1,"radar_cm":1,"air_c":1,"pir":0,"sitting":0,"x_wm2":1}'
    path.write_text(HEADER + "\n" + first + "\n" + "\n".join(_line(*line) for line in lines) + "\n")
    careful = _outcome(path, careful=True)
    assert _outcome(path, careful=False) == careful
