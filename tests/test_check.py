"""`benchctl check` and expectations (docs/spec/expect-v1.md): a replay held to what its trace
must give, a readable diff and exit 1 when it does not, exit 2 naming the line of a bad
expectation, `--update` for a recording a person has checked, many traces at once."""

import json
import re
import shutil

from hypothesis import given
from hypothesis import strategies as st

from benchctl.cli import main
from benchctl.replay.expect import ExpectError, dumps, parse
from conftest import TRACES, write_trace

HOUR = [{"t": 0, "solar_v": 18.0, "solar_a": 1.0, "batt_v": 13.2, "batt_a": 0.5, "pir": 0},
        {"t": 600, "pir": 1}, {"t": 603, "pir": 0}, {"t": 3600}]


def doc(**rules):
    return dumps({"format": "bench-expect", "version": 1, "expect": rules})


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_trace_that_gives_what_it_should_passes(tmp_path, capsys):
    trace = shutil.copy(TRACES / "park-summer-day.jsonl", tmp_path)
    (tmp_path / "park-summer-day.expect.json").write_text(doc(
        sit_sessions=11, **{"reports.dropped": 0, "port_energy_wh": {"about": 29.7, "within": "2%"}}))
    code, out, _ = run(capsys, "check", str(trace))
    assert code == 0 and out.startswith("OK ")


def test_a_mismatch_exits_1_with_expected_got_and_tolerance(tmp_path, capsys):
    trace = shutil.copy(TRACES / "park-summer-day.jsonl", tmp_path)
    (tmp_path / "park-summer-day.expect.json").write_text(doc(
        sit_sessions=12, occupied_s={"about": 19570, "within": 60},
        port_energy_wh={"about": 35.0, "within": "2%"}, resets={"watchdog": 1},
        **{"energy.min_soc": {"at_least": 0.2}}))
    code, out, _ = run(capsys, "check", str(trace))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("FAILED ") and "4 expectation(s) not met" in lines[0]
    table = "\n".join(lines[1:])
    assert re.search(r"^ +sit_sessions +12 +11$", table, re.M), table  # key, expected, got
    assert "port_energy_wh  35 ± 2 %" in table and "29.744 (off by -15.0 %)" in table
    assert 'resets' in table and '{"watchdog": 1}' in table and "{}" in table
    assert "energy.min_soc" in table and "≥ 0.2" in table and "not in the summary" in table
    assert "occupied_s" not in table  # within its tolerance


def test_a_bad_expectation_exits_2_naming_its_line_and_replays_nothing(tmp_path, capsys):
    trace = shutil.copy(TRACES / "park-summer-day.jsonl", tmp_path)
    path = tmp_path / "park-summer-day.expect.json"
    path.write_text('{"format": "bench-expect", "version": 1,\n "expect": {\n  "sit_sessions": 11,\n'
                    '  "charge_sesions": 6\n }\n}\n')
    code, _, err = run(capsys, "check", str(trace), "--out", str(tmp_path / "out"))
    assert code == 2
    assert f"{path}:4: charge_sesions: summary.json has no key 'charge_sesions' (did you mean 'charge_sessions'?)" \
        in err
    assert not (tmp_path / "out").exists()
    path.write_text('{"format": "bench-expect", "version": 1,\n "expect": {"sit_sessions": 11,}}')
    code, _, err = run(capsys, "check", str(trace))
    assert code == 2 and f"{path}:2: not an expectation" in err


def test_update_writes_an_expectation_that_then_holds(tmp_path, capsys):
    trace = write_trace(tmp_path / "hour.jsonl", HOUR)
    code, _, err = run(capsys, "check", str(trace))
    assert code == 2 and "no expectation" in err and "--update" in err
    code, out, _ = run(capsys, "check", str(trace), "--update")
    assert code == 0 and "wrote" in out
    written = json.loads((tmp_path / "hour.expect.json").read_text())
    assert written["expect"]["reports.dropped"] == 0
    assert written["expect"]["max_airtime_24h_with_joins_s"] == {"at_most": 30}
    assert run(capsys, "check", str(trace))[0] == 0


def test_update_keeps_a_persons_keys_and_tolerances(tmp_path, capsys):
    trace = write_trace(tmp_path / "hour.jsonl", HOUR)
    (tmp_path / "hour.expect.json").write_text(doc(uplinks=1, airtime_s={"about": 9.0, "within": "5%"},
                                                   duration_s={"at_least": 60}))
    assert run(capsys, "check", str(trace))[0] == 1
    assert run(capsys, "check", str(trace), "--update")[0] == 0
    rules = json.loads((tmp_path / "hour.expect.json").read_text())["expect"]
    assert list(rules) == ["uplinks", "airtime_s", "duration_s"]
    assert rules["uplinks"] > 1 and rules["airtime_s"]["within"] == "5%" and rules["duration_s"] == {"at_least": 60}
    assert run(capsys, "check", str(trace))[0] == 0


def test_an_expectation_in_the_trace_header_is_the_traces_own(tmp_path, capsys):
    trace = write_trace(tmp_path / "hour.jsonl", HOUR, {"expect": {"sit_sessions": 0, "resets": {}}})
    assert run(capsys, "check", str(trace))[0] == 0
    trace = write_trace(tmp_path / "hour.jsonl", HOUR, {"expect": {"sit_sessions": {"about": 1}}})
    code, _, err = run(capsys, "check", str(trace))
    assert code == 2 and f"{trace}:1 (header): sit_sessions: about and within go together" in err


def test_a_reset_cause_that_never_happened_is_a_count_of_zero(tmp_path, capsys):
    trace = write_trace(tmp_path / "hour.jsonl", HOUR, {"expect": {"resets.brownout": 0, "resets.watchdog": {"at_most": 0}}})
    assert run(capsys, "check", str(trace))[0] == 0
    trace = write_trace(tmp_path / "hour.jsonl", HOUR, {"expect": {"resets.brownout": 1}})
    code, out, _ = run(capsys, "check", str(trace))
    assert code == 1 and "resets.brownout" in out


def test_replay_expect_holds_one_replay_to_its_expectation(tmp_path, capsys):
    trace = write_trace(tmp_path / "hour.jsonl", HOUR)
    (tmp_path / "mine.json").write_text(doc(sit_sessions=3))
    code, out, _ = run(capsys, "replay", str(trace), "--expect", str(tmp_path / "mine.json"))
    assert code == 1 and "sit_sessions" in out


def test_many_traces_at_once_give_a_line_each_a_table_and_the_worst_status(tmp_path, capsys):
    good = write_trace(tmp_path / "good.jsonl", HOUR)
    (tmp_path / "good.expect.json").write_text(doc(sit_sessions=0))
    write_trace(tmp_path / "bad.jsonl", HOUR)
    (tmp_path / "bad.expect.json").write_text(doc(sit_sessions=5))
    (tmp_path / "unchecked.jsonl").write_text((tmp_path / "good.jsonl").read_text())  # no expectation: left out
    code, out, _ = run(capsys, "check", str(tmp_path), "--jobs", "2", "--out", str(tmp_path / "out"))
    assert code == 1
    assert "OK     " in out and "FAILED " in out and "unchecked" not in out
    assert "2 trace(s): 1 failed, 1 ok" in out or "2 trace(s): 1 ok, 1 failed" in out
    assert (tmp_path / "out" / "bad" / "summary.json").exists()
    # With --jobs the trace is read in the replay's own process: the same bytes as one replay.
    assert run(capsys, "replay", str(good), "--out", str(tmp_path / "one"))[0] == 0
    for name in ("summary.json", "console.log", "uplinks.jsonl"):
        assert (tmp_path / "out" / "good" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"format": "bench-trace", "version": 1}\n')
    code, out, _ = run(capsys, "replay", str(good), str(broken), "--jobs", "2")
    assert code == 2 and "ERROR  " in out and "bench" in out


# -- the expectation format, as hypothesis sees it ----------------------------------------------

paths = st.sampled_from(["sit_sessions", "occupied_s", "port_energy_wh", "reports.dropped", "energy.min_soc",
                         "charge_sessions_by_port.2", "plant.own_wh.radar"])
values = st.floats(-1e6, 1e6, allow_nan=False) | st.integers(-10**6, 10**6)


@given(st.dictionaries(paths, st.tuples(values, st.floats(0, 1e3), st.booleans()), min_size=1), st.data())
def test_a_summary_inside_every_tolerance_passes_and_one_outside_names_that_key(rules, data):
    body, summary = {}, {}
    for path, (value, tol, relative) in rules.items():
        body[path] = {"about": value, "within": f"{tol:.2f}%" if relative else tol}
        share = float(f"{tol:.2f}") / 100 * abs(value) if relative else tol
        got = value + data.draw(st.floats(-1, 1)) * share
        node = summary
        *parents, last = path.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = got
    expectation = parse(doc(**body), "x.expect.json")
    assert expectation.misses(summary) == []
    path = data.draw(st.sampled_from(sorted(rules)))
    value, tol, relative = rules[path]
    share = float(f"{tol:.2f}") / 100 * abs(value) if relative else tol
    node = summary
    for p in path.split(".")[:-1]:
        node = node[p]
    node[path.split(".")[-1]] = value + share * 1.01 + 1e-3 * max(1.0, abs(value))
    assert [m.path for m in expectation.misses(summary)] == [path]


@given(st.text(max_size=200))
def test_any_text_is_an_expectation_or_a_named_error(text):
    try:
        expectation = parse(text, "x.expect.json")
    except ExpectError as e:
        assert str(e).startswith("x.expect.json")
    else:  # read: each rule on a line of the text, and its path written there
        lines = text.split("\n")
        for rule in expectation.rules:
            assert 1 <= rule.line <= len(lines)
            assert json.dumps(rule.path) in lines[rule.line - 1] or rule.path in lines[rule.line - 1]


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids, max_size=3),
                    max_leaves=8))
def test_any_json_in_expect_is_refused_by_line_or_read(body):
    text = json.dumps({"format": "bench-expect", "version": 1, "expect": body}, indent=1)
    try:
        parse(text, "x.expect.json")
    except ExpectError as e:
        assert str(e).split(":")[1].isdigit(), e  # the line it is on


# -- the pytest plugin, as a fleet's CI runs it -------------------------------------------------

def test_the_pytest_plugin_makes_each_trace_a_test_with_the_diff_in_junit_xml(tmp_path):
    import subprocess
    import sys
    import xml.etree.ElementTree as ET

    fleet = tmp_path / "fleet"
    fleet.mkdir()
    for name, sittings in (("SM-001", 0), ("SM-002", 4)):
        write_trace(fleet / f"{name}.jsonl", HOUR)
        (fleet / f"{name}.expect.json").write_text(doc(sit_sessions=sittings))
    write_trace(fleet / "SM-003.jsonl", HOUR)  # no expectation: not a test
    xml = tmp_path / "junit.xml"
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--bench-traces", str(fleet),
                           "--bench-engine", "cpython,pypy", "-n", "2", f"--junitxml={xml}", "-q"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    cases = {c.get("name"): c for c in ET.parse(xml).iter("testcase")}
    assert sorted(cases) == ["SM-001[cpython]", "SM-001[pypy]", "SM-002[cpython]", "SM-002[pypy]"]
    assert cases["SM-001[pypy]"].find("failure") is None
    failure = cases["SM-002[cpython]"].find("failure")
    assert failure is not None
    assert "1 expectation(s) not met" in failure.text and "sit_sessions" in failure.text and "4" in failure.text
    assert "2 failed, 2 passed" in proc.stdout
