"""`benchctl synth`: a seed gives the same trace byte for byte; the sun is pvlib's for
Smiltene (domain-facts.md); the weather, the people and their phones stay in their ranges;
the bundled synthetic traces are what the command makes."""

import gzip
import json

import numpy as np
import pandas as pd
import pytest

from benchctl.cli import main
from benchctl.replay.trace import Trace
from benchctl.synth.people import people
from benchctl.synth.synth import write
from benchctl.synth.weather import Site, sun, weather
from conftest import ROOT

SYNTHETIC = ROOT / "tests" / "traces" / "synthetic"


def test_the_same_seed_writes_the_same_bytes_and_another_seed_other_weather(tmp_path):
    a = write(tmp_path / "a.jsonl.gz", "2026-12-01T00:00:00Z", 3, seed=5).read_bytes()
    b = write(tmp_path / "b.jsonl.gz", "2026-12-01T00:00:00Z", 3, seed=5).read_bytes()
    c = write(tmp_path / "c.jsonl.gz", "2026-12-01T00:00:00Z", 3, seed=6).read_bytes()
    assert a == b and a != c


@pytest.mark.parametrize(("name", "start", "days"), [("smiltene-june-week", "2026-06-15", 7),
                                                     ("smiltene-december", "2026-12-01", 31)])
def test_the_bundled_traces_are_what_benchctl_synth_makes(tmp_path, name, start, days):
    out = tmp_path / f"{name}.jsonl.gz"
    assert main(["synth", str(out), "--start", start, "--days", str(days), "--seed", "1"]) == 0
    assert out.read_bytes() == (SYNTHETIC / f"{name}.jsonl.gz").read_bytes()


def test_smiltenes_sun_is_the_one_in_domain_facts():
    site = Site()
    december = sun(site, pd.date_range("2026-12-01", "2026-12-31 23:55", freq="5min", tz="UTC"))
    kwh_per_day = december["poa_clear"].sum() * 5 / 60 / 1000 / 31
    assert 0.33 <= kwh_per_day <= 0.45  # domain-facts: flat panel, December clear sky 0.39
    solstice = sun(site, pd.date_range("2026-12-21", periods=288, freq="5min", tz="UTC"))
    assert 9.0 <= solstice["elevation"].max() <= 9.4 and 95 <= solstice["poa_clear"].max() <= 103
    june = sun(site, pd.date_range("2026-06-01", "2026-06-30 23:55", freq="5min", tz="UTC"))
    assert 7.0 <= june["poa_clear"].sum() * 5 / 60 / 1000 / 30 <= 8.5  # 7.95


def test_a_synthetic_year_has_grey_winters_snow_and_cold_snaps():
    times = pd.date_range("2026-01-01", "2026-12-31 23:55", freq="15min", tz="UTC")
    w = weather(Site(), times, np.random.default_rng(1))
    monthly = w["poa_wm2"].groupby(times.month).sum() * 0.25 / 1000  # kWh/m2
    winter = monthly[[1, 2, 11, 12]].sum() + monthly[10] / 2
    assert winter / monthly.sum() < 0.2  # domain-facts: autumn and winter give 10-20 % of the yield
    assert w["snow"].sum() > 0 and w["snow"][times.month.isin([6, 7, 8])].sum() == 0
    assert w["air_c"].min() < -15 and w["air_c"].max() > 20
    assert (w["poa_wm2"] >= 0).all() and set(w["rain"].unique()) <= {0, 1}


def test_people_sit_and_charge_phones_within_their_ranges():
    recs = people(pd.Timestamp("2026-07-01", tz="UTC"), 14, np.random.default_rng(3))
    state = {}
    for r in recs:
        state.update(r)
        assert state.get("sitting", 0) >= 0
        for n in (1, 2, 3):
            assert state.get(f"port{n}_demand_a", 0) == 0 or 0.8 <= state[f"port{n}_demand_a"] <= 2.1
        assert state.get("qi_demand_w", 0) in (0, 5.0, 7.5, 10.0)
    assert sum(1 for r in recs if r.get("sitting") == 1 and "t" in r) > 50  # a July fortnight in a park
    assert state["sitting"] == 0  # everyone went home


def test_a_synthetic_trace_reads_as_trace_v1_with_its_plant_and_site(tmp_path):
    path = write(tmp_path / "t.jsonl", "2026-03-01T00:00:00Z", 2, seed=2)
    trace = Trace(path)
    records = list(trace)
    assert trace.header.plant == {"seed": 2} and trace.header.extra["site"]["lat"] == 57.42
    assert records[0][0] == 0 and trace.duration_ms == 2 * 86_400_000
    assert {"poa_wm2", "air_c", "sitting", "port1_demand_a", "qi_demand_w", "rain"} <= trace.channels
    with gzip.open(SYNTHETIC / "smiltene-year.jsonl.gz", "rt") as f:
        head = json.loads(f.readline())
    assert head["note"] == "benchctl synth: smiltene, 365 day(s) from 2026-01-01, seed 1"


def test_bad_arguments_exit_2_with_the_reason(tmp_path, capsys):
    assert main(["synth", str(tmp_path / "x.jsonl"), "--start", "1 Dec"]) == 2
    assert "is not YYYY-MM-DD" in capsys.readouterr().err
    assert main(["synth", str(tmp_path / "x.jsonl"), "--site", "riga"]) == 2
    assert not (tmp_path / "x.jsonl").exists()


def test_plant_parameters_go_into_the_header_checked_before_anything_is_written(tmp_path, capsys):
    out = tmp_path / "small.jsonl"
    assert main(["synth", str(out), "--days", "1", "--plant", "battery_wh=256", "--plant", "heater_w=7.5"]) == 0
    assert Trace(out).header.plant == {"seed": 1, "battery_wh": 256, "heater_w": 7.5}
    bad = tmp_path / "bad.jsonl"
    for pair, reason in (("batery_wh=256", "KEY one of panel_wp"), ("battery_wh", "KEY one of"),
                         ("battery_wh=lots", "'lots' is not a number"), ("battery_wh=5", "must be 10..20000"),
                         ("lvr_v=9.5", "must be above lvd_v"), ("seed=3", "KEY one of")):
        assert main(["synth", str(bad), "--days", "1", "--plant", pair]) == 2, pair
        assert reason in capsys.readouterr().err, pair
        assert not bad.exists()
