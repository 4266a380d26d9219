"""`benchctl console`: levels coloured and filtered, commands typed, a port that vanishes
waited for, and `--record` writing a trace-v1 file that replays to the sessions the bench saw."""

import io
import json
import os
import pty
import threading
import time
import tty
from datetime import UTC, datetime, timedelta

import pytest
import serial
from hypothesis import given
from hypothesis import strategies as st

from benchctl.console import Console, Recorder, run
from benchctl.replay import replay
from benchctl.replay.trace import check
from conftest import TRACES, write_trace

LOG = ["bench SM-007 firmware 0.1.0 board esp32-rak3172 boot 1 reset power_on",
       "[     10.000] DEBUG sensors: read",
       "[    300.000] INFO  ports: port 2: charging started (1450 mA)",
       "[    900.000] WARN  lorawan: join failed (timeout); next try in 15 s",
       "[    901.000] ERROR loop: ValueError: x; carrying on",
       "battery 13.3 V 1.199 A charge 95%"]


def shown(**kw):
    out = io.StringIO()
    console = Console(out, **kw)
    for line in LOG:
        console.line(line)
    return out.getvalue().splitlines()


def test_levels_are_coloured_and_filtered_and_topics_picked():
    assert len(shown()) == 6
    assert [x for x in shown(level="warn") if x.startswith("[")] == LOG[3:5]
    assert shown(topic="ports") == [LOG[2]]
    coloured = shown(colour=True)
    assert coloured[3].startswith("\x1b[33m") and coloured[4].startswith("\x1b[1;31m") and coloured[2] == LOG[2]
    assert all(x[12] == " " and x[2] == ":" for x in shown(stamps=True))  # HH:MM:SS.mmm before each line


class Clock:
    def __init__(self):
        self.now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

    def __call__(self):
        return self.now


def test_a_recorded_console_replays_to_the_sessions_the_bench_saw(tmp_path):
    day = (TRACES / "park-summer-day.jsonl").read_text().splitlines()
    head, records = json.loads(day[0]), [json.loads(x) for x in day[1:]]
    source = write_trace(tmp_path / "day.jsonl", [{"t": 0, "console": "trace on"}, *records], head)
    first = replay(str(source), str(tmp_path / "first")).summary
    clock = Clock()
    recorder = Recorder(str(tmp_path / "recorded.jsonl"), clock)
    console = Console(io.StringIO(), recorder=recorder, show_trace=False)
    for line in (tmp_path / "first" / "console.log").read_text().splitlines():
        if line.startswith("TRACE "):
            clock.now += timedelta(seconds=10)
        console.line(line)
    recorder.close()
    check(tmp_path / "recorded.jsonl")
    header = json.loads((tmp_path / "recorded.jsonl").read_text().splitlines()[0])
    assert header["bench"] == "SM-001" and header["board"] == "esp32-rak3172" and header["source"] == "recorded"
    second = replay(str(tmp_path / "recorded.jsonl"), str(tmp_path / "second")).summary
    assert second["sit_sessions"] == first["sit_sessions"] and second["charge_sessions"] == first["charge_sessions"]


def test_a_bench_that_restarts_while_recording_gives_a_reset_and_time_runs_on(tmp_path):
    clock = Clock()
    recorder = Recorder(str(tmp_path / "r.jsonl"), clock)
    console = Console(io.StringIO(), recorder=recorder)
    for line in ['bench SM-9 firmware 0.1.0 board esp32-rak3172 boot 4 reset power_on', 'TRACE {"t":0,"pir":0}',
                 'TRACE {"t":10,"pir":1}', 'TRACE {not json', 'bench SM-9 firmware 0.1.0 board esp32-rak3172 boot 5 '
                 'reset brownout', 'TRACE {"t":0,"pir":0}']:
        clock.now += timedelta(seconds=10)
        console.line(line)
    recorder.close()
    lines = [json.loads(x) for x in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert [r.get("reset") for r in lines[1:]] == [None, None, "brownout", None]
    assert [r["t"] for r in lines[1:]] == [0, 10, 40, 40]  # on by the host's clock across the restart
    assert recorder.skipped == 1
    check(tmp_path / "r.jsonl")
    assert console.to_send.count("trace on") == 2, "each banner while recording turns tracing on again"


@pytest.mark.parametrize("line", ['TRACE {"t":NaN,"pir":0}', 'TRACE {"t":1e20,"pir":0}', 'TRACE {"t":-1}',
                                  'TRACE {"t":5,"batt_v":"13.1"}', 'TRACE {"t":5,"batt_v":Infinity}',
                                  'TRACE {"t":5,"reset":"bogus"}', 'TRACE [1,2]', 'TRACE {"pir":1}'])
def test_the_recorder_refuses_lines_that_would_make_a_trace_replay_refuses(tmp_path, line):
    recorder = Recorder(str(tmp_path / "r.jsonl"), Clock())
    console = Console(io.StringIO(), recorder=recorder, show_trace=False)
    for text in ['bench SM-9 firmware 0.1.0 board esp32-rak3172 boot 4 reset power_on', 'TRACE {"t":0,"pir":0}',
                 line, 'TRACE {"t":20,"pir":1}']:
        console.line(text)
    recorder.close()
    assert recorder.skipped == 1 and recorder.records == 2
    check(tmp_path / "r.jsonl")
    assert console.lines == 4


def test_over_a_pseudo_terminal_it_reads_the_bench_and_types_commands(tmp_path):
    master, slave = pty.openpty()
    tty.setraw(slave)
    typed = []

    def bench():
        time.sleep(0.3)  # pyserial empties the input when it opens the port
        for line in LOG:
            os.write(master, (line + "\r\n").encode())
            time.sleep(0.05)
        time.sleep(0.3)
        typed.append(os.read(master, 100))

    threading.Thread(target=bench, daemon=True).start()
    out = io.StringIO()
    run(os.ttyname(slave), Console(out), send=["status"], seconds=1.5)
    assert out.getvalue().splitlines() == LOG
    assert typed == [b"status\r\n"]
    os.close(master)
    os.close(slave)


class FlakyPort:
    """A USB serial port that is unplugged after a few reads, then plugged back in."""

    def __init__(self, lines, unplugged):
        self.lines = list(lines)
        self.unplugged = unplugged

    def read(self, n):
        if not self.lines:
            if self.unplugged:
                raise serial.SerialException("device reports readiness to read but returned no data")
            time.sleep(0.1)
            return b""
        return (self.lines.pop(0) + "\n").encode()

    def write(self, data):
        return len(data)

    def close(self):
        pass


def test_a_port_that_vanishes_is_waited_for_and_read_again():
    attempts = []

    def opener(url, baud):
        attempts.append(url)
        if len(attempts) == 2:
            raise serial.SerialException("could not open port /dev/ttyUSB0: No such file or directory")
        return FlakyPort(LOG[:3], True) if len(attempts) == 1 else FlakyPort(LOG[3:], False)

    out, err = io.StringIO(), io.StringIO()
    run("/dev/ttyUSB0", Console(out), seconds=2.0, opener=opener, err=err)
    assert out.getvalue().splitlines() == LOG
    assert "went away" in err.getvalue() and "waiting for it" in err.getvalue() and "is back" in err.getvalue()


lines = st.one_of(st.text(max_size=80), st.sampled_from(LOG),
                  st.builds(lambda t: "TRACE " + json.dumps({"t": t, "pir": 0}), st.floats(0, 1e6, allow_nan=False)),
                  st.builds(lambda c: "bench SM-1 firmware 0.1.0 board esp32-rak3172 boot 2 reset " + c,
                            st.sampled_from(["power_on", "brownout", "watchdog", "nonsense"])))


@pytest.mark.fuzz
@given(st.lists(lines, max_size=40))
def test_any_console_lines_never_raise_and_the_recording_stays_a_valid_trace(tmp_path_factory, seq):
    path = tmp_path_factory.mktemp("rec") / "r.jsonl"
    clock = Clock()
    recorder = Recorder(str(path), clock)
    console = Console(io.StringIO(), level="info", colour=True, recorder=recorder)
    for line in seq:
        clock.now += timedelta(seconds=5)
        console.line(line)
    recorder.close()
    if recorder.records:
        check(path)
        times = [json.loads(x)["t"] for x in path.read_text().splitlines()[1:]]
        assert times == sorted(times)
