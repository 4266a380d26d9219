"""The serial console's shell: every command answers; bad input gets one `error:` line."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.trace import trace_line
from benchctl.replay.trace import channel_value
from conftest import SimBench


def test_help_lists_every_command(sim):
    out = sim.type("help")
    for verb in ("help", "status", "ports", "sessions", "config get", "config set", "port N", "log", "trace", "reboot"):
        assert any(line.startswith(verb) for line in out), verb


def test_status_shows_battery_solar_policy_sensors_and_reports(sim):
    sim.tick(0)
    out = "\n".join(sim.type("status"))
    assert "bench SM-T fw 0.1.0 board esp32-rak3172 up 00:00:00 boot 1" in out
    assert "battery 13.2 V 0.5 A charge" in out
    assert "solar 18 V 1 A" in out
    assert "policy normal; report every 900 s" in out
    assert "sensors ok" in out


def test_ports_lists_each_port_with_mode_and_state(sim):
    sim.tick(0)
    out = sim.type("ports")
    assert len(out) == 3
    assert out[0].startswith("port 1 auto on  0 A 5 V, 0 Wh, 0 sessions")


def test_port_command_forces_a_port_off_and_back_to_auto(sim):
    sim.tick(0)
    assert sim.type("port 2 off") == ["[      0.000] INFO  ports: port 2 set to off", "port 2 off"]
    sim.tick(10)
    assert not sim.world.chips.port_pins[1].level
    sim.type("port 2 auto")
    sim.tick(10)
    assert sim.world.chips.port_pins[1].level


def test_config_set_checks_saves_to_flash_and_applies(sim):
    out = sim.type("config set radar_max_cm 120")
    assert out == ["config radar_max_cm = 120 (saved)"]
    assert json.loads(sim.world.flash.read("config.json")) == {"radar_max_cm": 120}
    assert sim.bench.cfg.v["radar_max_cm"] == 120
    assert sim.type("config get radar_max_cm") == [
        "radar_max_cm = 120  (30..600 cm, radar targets further away are passers-by)"]


def test_config_set_of_a_boot_time_key_says_it_waits_for_a_reboot(sim):
    assert sim.type("config set battery_ah 200") == ["config battery_ah = 200 (saved; applies after 'reboot')"]


def test_config_set_out_of_range_is_refused_and_nothing_changes(sim):
    out = sim.type("config set radar_max_cm 5")
    assert out == ["error: radar_max_cm must be 30..600 cm, got 5"]
    assert sim.world.flash.read("config.json") is None


def test_log_level_filters_lines(sim):
    assert sim.type("log warn") == ["log level warn"]
    sim.bench.log.info("x", "hidden")
    sim.bench.log.warn("x", "shown")
    assert sim.console.lines[-1].endswith("WARN  x: shown")


def test_trace_on_prints_each_sample_as_a_trace_v1_record(sim):
    sim.type("trace on")
    sim.tick(10)
    line = sim.console.matching("TRACE ")[-1]
    record = json.loads(line[len("TRACE "):])
    assert record["t"] == 10 and record["batt_v"] == 13.2 and record["solar_a"] == 1
    assert record["port1_a"] == 0 and record["radar_cm"] is None
    for key, value in record.items():
        if key != "t":
            channel_value(key, value, lambda message: (_ for _ in ()).throw(AssertionError(message)))
    sim.type("trace off")
    sim.tick(10)
    assert len(sim.console.matching("TRACE ")) == 1


def test_reboot_saves_state_and_asks_the_loop_to_stop(sim):
    assert sim.type("reboot") == ["rebooting"]
    assert sim.bench.reboot_requested
    assert json.loads(sim.world.flash.read("state.json"))["boots"] == 1


def test_unknown_and_malformed_commands_get_one_error_line(sim):
    assert sim.type("fly") == ["error: unknown command 'fly' (try 'help')"]
    assert sim.type("port 9 on") == ["error: port must be 1..3, got 9"]
    assert sim.type("port one on") == ["error: port must be 1..3, got one"]
    assert sim.type("port 1 maybe") == ["error: usage: port N on|off|auto"]
    assert sim.type("config set nosuch 1") == ["error: unknown key nosuch (try 'config get')"]
    assert sim.type("config set radar_max_cm far") == ["error: radar_max_cm must be a whole number, got far"]
    assert sim.type("config") == ["error: usage: config get [KEY] | config set KEY VALUE"]
    assert sim.type("log loud") == ["error: usage: log debug|info|warn|error"]
    assert sim.type("trace maybe") == ["error: usage: trace on|off"]
    assert sim.type("   ") == []


@pytest.mark.fuzz
@given(st.text(max_size=80))
def test_any_line_never_raises_and_errors_are_one_line(line):
    sim = SimBench()
    before = len(sim.console.lines)
    sim.bench.shell.handle(line)
    out = sim.console.lines[before:]
    if any(o.startswith("error:") for o in out):
        assert len(out) == 1


@given(st.lists(st.sampled_from(["status", "ports", "sessions", "config get", "port 1 off", "port 1 auto",
                                 "port 3 on", "log debug", "log info", "trace on", "trace off", "help",
                                 "config set report_interval_s 600", "config set log_level warn"]), max_size=12))
def test_command_sequences_keep_the_bench_running(commands):
    sim = SimBench()
    for command in commands:
        sim.type(command)
        sim.tick(10)
    assert sim.bench.crashes == 0


def test_trace_line_marks_failed_sensors_absent():
    from bench.sensors import Sample

    s = Sample(2)
    s.ports[1] = (5000, 250)
    line = trace_line(12500, s)
    assert line == ('TRACE {"t":12.5,"solar_v":null,"solar_a":null,"batt_v":null,"batt_a":null,'
                    '"port1_a":null,"port2_a":0.25,"port2_v":5}')


def test_boot_port_fault_and_sensor_fault_events_wait_in_the_queue(sim):
    from benchctl import codec

    sim.world.chips.port_chips[0].ua[0] = 3_000_000  # a short on port 1
    sim.world.chips.port_chips[0].changed()
    sim.world.chips.battery.fault = 1  # the battery monitor stops answering
    sim.tick(10)
    frames = [sim.bench.queue.record(seq) for seq in range(sim.bench.queue.tail, sim.bench.queue.head)]
    decoded = [codec.decode(fport, data)[0] for fport, data in frames]
    assert decoded[0] == {"frame": "boot", "firmware": "0.1.0", "reset_cause": "power_on", "boots": 1}
    assert {"frame": "port_fault", "port": 1, "fault": "over-current", "current_ma": 3000, "retry_s": 300} in decoded
    assert any(d["frame"] == "sensor_fault" and d["sensor"] == "battery" for d in decoded)
    out = "\n".join(sim.type("status"))
    assert "reports 0 made; 3 frame(s) waiting on flash, 0 dropped, 0 lost" in out
