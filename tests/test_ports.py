"""Charging ports: sessions, energy, faults with retry and backoff; a state machine tested
with hand cases and hypothesis."""

import itertools

from hypothesis import given
from hypothesis import strategies as st

from bench.config import Config
from bench.log import Log
from bench.ports import PortBank
from benchctl.sim.chips.pins import FakePin
from drivers.switch import LoadSwitch

S = 1000


def bank(lines, ports=1, **cfg):
    c = Config()
    c.v.update(cfg)
    b = PortBank([LoadSwitch(FakePin()) for _ in range(ports)], c, Log(lines))
    b.update(0, 0, [None] * ports)  # switches on (policy allows)
    return b


def feed(b, start_s, end_s, ma, step=10):
    for t in range(start_s, end_s, step):
        b.update(t * S, step * S, [(5000, ma)])


def test_a_phone_drawing_for_ten_seconds_starts_a_session_and_30_s_below_ends_it(lines):
    b = bank(lines)
    feed(b, 10, 20, 800)
    assert b.ports[0].session_start is None
    feed(b, 20, 30, 800)
    assert b.ports[0].session_start == 10 * S
    feed(b, 30, 600, 800)
    feed(b, 600, 630, 0)
    assert b.ports[0].sessions == 0
    feed(b, 630, 640, 0)
    assert b.ports[0].sessions == 1
    port, start, duration, mwh = b.recent[-1]
    assert (port, start, duration) == (1, 10, 590)
    # Each reading covers the interval before it: the readings at 20..590 s are the session's.
    assert mwh == 5000 * 800 * 580 // 3_600_000


def test_noise_below_50_ma_never_starts_a_session(lines):
    b = bank(lines)
    for t in range(10, 3600, 10):
        b.update(t * S, 10 * S, [(5000, (t * 7) % 49)])
    assert b.ports[0].sessions == 0 and b.ports[0].session_start is None


def test_a_spike_shorter_than_ten_seconds_is_not_a_session(lines):
    b = bank(lines)
    feed(b, 10, 20, 600)
    feed(b, 20, 100, 0)
    assert b.ports[0].sessions == 0


def test_over_current_switches_the_port_off_and_retries_with_backoff(lines):
    b = bank(lines, port_retry_s=60, port_retry_max_s=600)
    port = b.ports[0]
    b.update(10 * S, 10 * S, [(5000, 3000)])
    assert not port.switch.is_on and port.fault == "over-current"
    assert any("over-current at 3000 mA; off, retry in 60 s" in line for line in lines.lines)
    b.update(60 * S, 50 * S, [(5000, 0)])
    assert not port.switch.is_on
    b.update(70 * S, 10 * S, [(5000, 0)])
    assert port.switch.is_on and port.fault is None
    b.update(80 * S, 10 * S, [(5000, 3000)])
    assert port.retry_ms == 120 * S  # doubled
    assert b.fault_flags == 1


def test_current_on_a_switched_off_port_is_a_fault(lines):
    b = bank(lines)
    b.set_mode(1, "off", 0)
    b.update(10 * S, 10 * S, [(5000, 0)])
    assert not b.ports[0].switch.is_on
    b.update(20 * S, 10 * S, [(5000, 400)])
    assert b.ports[0].fault == "current while off" and b.ports[0].faults == 1


def test_policy_shedding_ends_a_running_session(lines):
    b = bank(lines)
    feed(b, 10, 100, 1000)
    b.allowed = False
    b.update(100 * S, 10 * S, [(5000, 1000)])
    assert not b.ports[0].switch.is_on and b.ports[0].sessions == 1


def test_forced_on_ignores_the_policy_and_forced_off_wins(lines):
    b = bank(lines)
    b.allowed = False
    b.set_mode(1, "on", 0)
    b.update(10 * S, 10 * S, [(5000, 0)])
    assert b.ports[0].switch.is_on
    b.set_mode(1, "off", 10 * S)
    b.update(20 * S, 10 * S, [(5000, 0)])
    assert not b.ports[0].switch.is_on


def test_an_unreadable_port_keeps_its_session_state(lines):
    b = bank(lines)
    feed(b, 10, 60, 900)
    b.update(60 * S, 10 * S, [None])
    assert b.ports[0].session_start == 10 * S and not b.ports[0].readable


@given(st.lists(st.tuples(st.integers(1, 120), st.integers(-100, 4000), st.booleans()), max_size=120))
def test_sessions_never_overlap_and_session_energy_fits_in_port_energy(steps):
    out = []
    b = bank(out.append)
    t = 0
    ended = []
    for dt_s, ma, allowed in steps:
        t += dt_s
        b.allowed = allowed
        before = len(b.recent)
        b.update(t * S, dt_s * S, [(5000, ma)])
        if len(b.recent) > before:
            ended.append(b.recent[-1])
    for (_, s1, d1, _), (_, s2, _, _) in itertools.pairwise(ended):
        assert s1 + d1 <= s2
    assert sum(e[3] for e in ended) <= b.ports[0].energy.mwh
    assert b.ports[0].sessions == len(ended)
