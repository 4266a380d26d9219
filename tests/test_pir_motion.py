"""Which of a PIR's motion is a person (bench/pir_motion.py): motion while the panel sees the
light change is the light's, an arrival is motion in two samples 30 s apart, and a PIR that
stays quiet at change after change of light is doubted, so the radar looks more often."""

import json

from hypothesis import given
from hypothesis import strategies as st

from bench.pir_motion import PirMotion
from bench.pir_watch import PirWatch
from benchctl.replay import replay
from conftest import write_trace


def feed(samples, occupied=False, step_ms=10000):
    m = PirMotion()
    return [m.sample(i * step_ms, motion, ma, occupied) for i, (motion, ma) in enumerate(samples)], m


def test_one_motion_is_no_arrival_and_two_within_30_s_are():
    got, m = feed([(0, 800), (1, 800), (0, 800), (1, 800)])
    assert got == [False, False, False, True]  # 20 s apart: someone sat down
    assert m.arrived == 10000  # ... and the sitting began at the first of them
    got, _ = feed([(1, 800), (0, 800), (0, 800), (0, 800), (1, 800)])
    assert got == [False] * 5  # 40 s apart: a bird, then a passer-by


def test_motion_while_the_panel_sees_the_light_change_is_the_lights():
    # 800 mA to 500 mA: the sun went behind a cloud, and the PIR fired with it.
    got, m = feed([(0, 800), (1, 500), (1, 800), (0, 800)], occupied=True)
    assert got == [False, False, False, False] and m.light == 2
    got, _ = feed([(0, 800), (1, 780), (1, 800)], occupied=True)
    assert got == [False, True, True]  # 2.5 %: the panel's own noise, and a sitter moving


def test_small_currents_never_look_like_light_and_no_monitor_sees_none():
    got, _ = feed([(0, 20), (1, 45), (1, 20)], occupied=True)
    assert got == [False, True, True]  # dusk: steps under 30 mA are noise
    got, m = feed([(0, None), (1, None), (1, None)])
    assert got == [False, False, True] and m.light == 0


samples = st.lists(st.tuples(st.integers(0, 1), st.one_of(st.none(), st.integers(0, 6000))), max_size=80)


@given(samples, st.booleans())
def test_a_person_is_only_ever_motion_not_at_a_change_of_light(seq, occupied):
    got, _ = feed(seq, occupied)
    before = None
    for (motion, ma), person in zip(seq, got):
        stepped = False
        if before is not None and ma is not None:
            step, big = abs(ma - before), max(ma, before)
            stepped = step >= 30 and step * 100 >= big * 10
        assert not person or (motion and not stepped)
        if occupied:
            assert person == bool(motion and not stepped)
        before = ma


@given(samples)
def test_while_vacant_an_arrival_needs_a_motion_of_a_person_30_s_before(seq):
    got, _ = feed(seq)
    for i, person in enumerate(got):
        if person:
            assert seq[i][0] and any(seq[j][0] for j in range(max(0, i - 3), i))


@given(st.lists(st.tuples(st.booleans(), st.booleans()), max_size=200))
def test_the_pir_is_doubted_after_8_changes_of_light_it_did_not_fire_at(seq):
    watch = PirWatch(True)
    quiet_steps = 0
    for i, (motion, light) in enumerate(seq):
        watch.sample(i * 10000, int(motion), False, light)
        quiet_steps = 0 if motion else quiet_steps + light
        assert watch.doubt == (quiet_steps >= 8)
        assert watch.trusted()  # a doubt is no verdict: the PIR still decides and wakes the radar


def test_a_dead_pir_under_clouds_is_doubted_and_the_radar_looks_every_3_min(tmp_path):
    first = {"t": 0, "solar_v": 18.0, "solar_a": 1.0, "batt_v": 13.2, "batt_a": 0.5, "batt_c": 15, "air_c": 12,
             "port1_a": 0, "port2_a": 0, "port3_a": 0, "pir": 0, "radar_cm": None}
    records = [first]
    for n in range(1, 25):  # the sun comes and goes every 5 min for two hours; the PIR never fires
        records.append({"t": 300 * n, "solar_a": 0.5 if n % 2 else 1.0})
    records[18]["pir"] = 1  # ... but once, at 1 h 30 min, it does: it is alive after all
    records.insert(19, {"t": 5410, "pir": 0})
    trace = write_trace(tmp_path / "clouds.jsonl", records, {"board": "esp32-rak3172"})
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"log_level": "debug"}))
    replay(str(trace), str(tmp_path / "out"), config_file=str(config))
    console = (tmp_path / "out" / "console.log").read_text().splitlines()

    def at(line):
        return float(line[1:line.index("]")])

    doubted = [at(line) for line in console if "the PIR did not fire at 8 changes of light" in line]
    again = [at(line) for line in console if "the PIR fires again" in line]
    assert doubted and doubted[0] == 2400.0 and again == [5400.0]
    looks = [at(line) for line in console if "radar: powered" in line]
    before = [t for t in looks if 60 < t < 2400]
    during = [t for t in looks if 2400 <= t < 5400]
    assert len(before) <= 3  # every 15 min by day while trusted
    assert len(during) >= 15  # every 3 min while doubted: 3000 s / 180 s
