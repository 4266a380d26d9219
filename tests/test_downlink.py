"""Commands from the network, as LoRaWAN downlinks or MQTT JSON: checked whole against the
schema, applied whole or not at all, counted either way; random bytes never raise."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.config import Config
from bench.downlink import parse_downlink, parse_json
from benchctl import codec
from conftest import SimBench


def apply(sim, fport, data):
    command, why = parse_downlink(fport, data)
    return sim.bench.command(command, why, "lorawan", fport)


def events(sim):
    """The event frames waiting in the bench's queue, decoded."""
    q = sim.bench.queue
    frames = [q.record(seq) for seq in range(q.tail, q.head)]
    return [codec.decode(2, f[1])[0] for f in frames if f is not None and f[0] == 2]


def test_a_config_downlink_from_the_codec_is_applied_and_saved(sim):
    fport, data = codec.encode_downlink({"config": {"report_interval_s": 1800, "radar_max_cm": 120}})
    assert apply(sim, fport, data)
    assert sim.bench.cfg.v["report_interval_s"] == 1800 and sim.bench.cfg.v["radar_max_cm"] == 120
    assert json.loads(sim.world.flash.read("config.json")) == {"report_interval_s": 1800, "radar_max_cm": 120}
    assert sim.console.matching("INFO  command: from lorawan: config radar_max_cm=120 report_interval_s=1800")


def test_one_bad_value_rejects_the_whole_command(sim):
    fport, data = codec.encode_downlink({"config": {"radar_max_cm": 120, "report_interval_s": 5}})
    assert not apply(sim, fport, data)
    assert sim.bench.cfg.v["radar_max_cm"] == 150  # not applied halfway
    assert sim.bench.commands_rejected == 1
    assert sim.console.matching("rejected from lorawan: report_interval_s must be 60..86400 s, got 5")
    assert events(sim)[-1] == {"frame": "command_rejected", "source": "lorawan", "fport": 10, "reason": "bad value"}


def test_each_rejection_goes_back_to_the_server_with_its_reason(sim):
    for fport, data in ((10, b"\x63\x01"), (10, b"\x01"), (11, b"\x07\x01"), (99, b"\x00"), (13, b"\x00")):
        assert not apply(sim, fport, data)
    command, why = parse_json(b'{"launch": true}')
    assert not sim.bench.command(command, why, "mqtt")
    got = [(e["source"], e["fport"], e["reason"]) for e in events(sim) if e["frame"] == "command_rejected"]
    assert got == [("lorawan", 10, "unknown"), ("lorawan", 10, "malformed"), ("lorawan", 11, "not fitted"),
                   ("lorawan", 99, "unknown"), ("lorawan", 13, "malformed"), ("mqtt", 0, "unknown")]


def test_port_and_reboot_downlinks(sim):
    assert apply(sim, *codec.encode_downlink({"port": 2, "mode": "off"}))
    sim.tick(10)
    assert not sim.world.chips.port_pins[1].level
    assert not apply(sim, 11, b"\x07\x01")  # this bench has three ports
    assert apply(sim, *codec.encode_downlink({"reboot": True}))
    assert sim.bench.reboot_requested


def test_mqtt_commands_take_the_same_path(sim):
    for text, ok in ((b'{"config": {"vacant_after_s": 120}}', True), (b'{"port": 1, "mode": "auto"}', True),
                     (b'{"config": {"vacant_after_s": 1}}', False), (b"{not json", False), (b"[1]", False),
                     (b'{"launch": true}', False)):
        command, why = parse_json(text)
        assert sim.bench.command(command, why, "mqtt") is ok, text
    assert (sim.bench.commands_applied, sim.bench.commands_rejected) == (2, 4)


@pytest.mark.fuzz
@given(st.integers(0, 255), st.binary(max_size=60))
def test_random_downlinks_never_raise_and_valid_ones_pass_the_schema(fport, data):
    command, why = parse_downlink(fport, data)
    assert (command is None) != (why is None)
    assert why is None or (why[0] in (1, 2, 3, 4) and why[1])
    if command is not None and "config" in command:
        cfg = Config()
        for key, value in command["config"].items():
            assert cfg.apply(key, value, None) is True


@pytest.mark.fuzz
@given(st.binary(max_size=80) | st.text(max_size=60).map(str.encode))
def test_random_mqtt_messages_never_raise(payload):
    command, why = parse_json(payload)
    assert (command is None) != (why is None)


@given(st.dictionaries(st.sampled_from(["report_interval_s", "radar_max_cm", "port_max_ma", "log_level"]),
                       st.integers(-10, 100_000) | st.sampled_from(["info", "warn", "loud"]), max_size=3))
def test_applied_or_rejected_whole(values):
    sim = SimBench()
    before = dict(sim.bench.cfg.v)
    command, why = parse_json(json.dumps({"config": values}).encode())
    applied = sim.bench.command(command, why, "mqtt")
    after = sim.bench.cfg.v
    if applied:
        assert all(after[k] == v for k, v in values.items())
    else:
        assert after == before
