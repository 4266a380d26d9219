"""Boots and their health: the reset cause a deliberate reset wrote before it (an RP2040 reads
every reset as the watchdog's), resets counted by cause, and the boot-loop guard — safe mode
after boots that never ran a minute, left when a boot proves good, configuration and keys
never touched. As a state machine under hypothesis, and replayed from a trace."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.health import GOOD_MS, SAFE_AFTER, Health
from bench.log import Log
from benchctl.codec import decode
from benchctl.replay import replay
from conftest import Store, write_trace


def boot(store, cause="power_on"):
    return Health(store, cause, Log(lambda line: None))


def test_a_deliberate_reset_is_read_as_itself_whatever_the_chip_says():
    store = Store()
    boot(store).intend("soft", 5000)
    again = boot(store, "watchdog")  # what an RP2040 reports after machine.reset()
    assert again.cause == "soft" and again.resets_text() == "soft 1"
    third = boot(store, "watchdog")  # no intent this time: a real watchdog reset
    assert third.cause == "watchdog" and third.resets_text() == "watchdog 1 soft 1" and third.boots == 3


def test_a_damaged_state_file_starts_the_counts_afresh():
    lines = []
    store = Store({"state.json": b'{"boots": 7, "resets": [1, 2'})
    health = Health(store, "brownout", Log(lines.append))
    assert health.boots == 1 and not health.safe
    assert any("state.json unreadable" in x for x in lines)
    store = Store({"state.json": b'{"boots": "7", "unproven": -3, "resets": [1, 2], "intent": "nap"}'})
    health = boot(store, "brownout")
    assert (health.boots, health.unproven, health.cause) == (1, 1, "brownout")


lives = st.lists(st.tuples(st.sampled_from(["power_on", "brownout", "watchdog", "hard"]),
                           st.integers(0, 3 * GOOD_MS)), min_size=1, max_size=40)


@pytest.mark.fuzz
@given(lives)
def test_safe_mode_comes_after_boots_that_never_ran_a_minute_and_nothing_is_erased(runs):
    provisioned = {"config.json": b'{"report_interval_s": 1800}', "network.json": b'{"appkey": "00"}'}
    store = Store(dict(provisioned))
    failed = 0  # the model: boots in a row that did not prove good
    for cause, ran_ms in runs:
        health = boot(store, cause)
        assert health.safe == (failed >= SAFE_AFTER)
        health.tick(ran_ms)
        failed = 0 if ran_ms >= GOOD_MS else failed + 1
    assert {k: store.files[k] for k in provisioned} == provisioned
    assert health.boots == len(runs)
    assert sum(health.resets) == len(runs) - 1  # every boot after the first has a cause


def test_safe_mode_stays_longer_each_time_it_comes_back():
    store = Store()
    stays = []
    for _ in range(3):
        for _ in range(SAFE_AFTER):
            boot(store).tick(1000)  # a boot loop: each dies within seconds
        safe = boot(store)
        assert safe.safe
        stays.append(safe.safe_stay_ms())
        safe.tick(safe.safe_stay_ms())  # safe mode itself is good
    assert stays == [GOOD_MS, 2 * GOOD_MS, 4 * GOOD_MS]
    boot(store).tick(GOOD_MS)  # a normal boot that proves good: the doubling starts again
    for _ in range(SAFE_AFTER):
        boot(store).tick(0)
    assert boot(store).safe_stay_ms() == GOOD_MS


def test_a_bench_in_a_boot_loop_goes_to_safe_mode_says_so_and_comes_back(tmp_path):
    base = {"t": 0, "solar_v": 18.0, "solar_a": 1.0, "batt_v": 13.2, "batt_a": 0.5, "batt_c": 15.0, "air_c": 12.0,
            "port1_a": 0.0, "port2_a": 0.0, "port3_a": 0.0, "pir": 0, "radar_cm": None}
    loop = [{"t": 20 * n, "reset": "watchdog"} for n in range(1, SAFE_AFTER + 1)]  # each life 20 s
    later = [{"t": 20 * SAFE_AFTER + 30, "console": "status"}, {"t": 20 * SAFE_AFTER + 40, "console": "port 1 on"},
             {"t": 3600, "batt_a": 0.4}]
    trace = write_trace(tmp_path / "loop.jsonl", [base, *loop, *later], {"config": {"report_interval_s": 1800}})
    out = replay(str(trace), str(tmp_path / "out"))
    console = (tmp_path / "out" / "console.log").read_text()
    assert f"boot {SAFE_AFTER + 1} reset watchdog safe mode" in console
    assert f"safe mode: {SAFE_AFTER} boots in a row did not run a minute" in console
    assert "error: safe mode: only status, config, log and reboot" in console  # `port 1 on`
    assert "safe mode ran 60 s: trying a normal boot" in console
    normal = console.split(f"boot {SAFE_AFTER + 2} reset soft\n")[1]  # then a normal boot, which stays
    assert "report every 1800 s" in normal.splitlines()[1]  # its configuration as it was provisioned
    events = [decode(2, bytes.fromhex(u["payload_hex"]))[0] for u in
              map(json.loads, (tmp_path / "out" / "uplinks.jsonl").read_text().splitlines()) if u["fport"] == 2]
    safe = [e for e in events if e["frame"] == "safe_mode"]
    assert safe == [{"frame": "safe_mode", "entered": True, "boots": SAFE_AFTER},
                    {"frame": "safe_mode", "entered": False, "boots": SAFE_AFTER}]
    assert out.summary["resets"] == {"watchdog": SAFE_AFTER, "soft": 1}
    assert "INFO  health: the last life ran at least 0 h 01 min (saved hourly); resets watchdog 4 soft 1" in normal


def test_a_bench_that_cannot_start_loops_into_safe_mode_and_stays_reachable(tmp_path, monkeypatch):
    """A firmware whose sensors cannot be built (a bug, a board that is not what board.json
    says): each boot dies in five seconds; the fifth is safe mode, which answers on the console
    and over the radio — main.py's path, which the replay's runner takes too."""
    import bench.bench

    class Broken:
        def __init__(self, *args):
            raise OSError("I2C bus stuck low")

    monkeypatch.setattr(bench.bench, "Sensors", Broken)
    base = {"t": 0, "solar_v": 18.0, "solar_a": 1.0, "batt_v": 13.2, "batt_a": 0.5, "batt_c": 15.0, "air_c": 12.0,
            "port1_a": 0.0, "port2_a": 0.0, "port3_a": 0.0, "pir": 0, "radar_cm": None}
    trace = write_trace(tmp_path / "broken.jsonl", [base, {"t": 50, "console": "status"}, {"t": 600}])
    out = replay(str(trace), str(tmp_path / "out"))
    console = (tmp_path / "out" / "console.log").read_text()
    assert console.count("bench cannot start: OSError: I2C bus stuck low; restarting in 5 s") >= SAFE_AFTER
    assert f"boot {SAFE_AFTER + 1} reset soft safe mode" in console
    assert "safe mode: 4 boots in a row did not run a minute" in console
    assert out.summary["resets"]["soft"] >= SAFE_AFTER
