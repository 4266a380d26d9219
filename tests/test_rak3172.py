"""The RAK3172 driver against a fake modem that answers RUI3 AT commands as the manual says:
join, send, busy, not joined, downlinks, a silent modem and garbage on the line."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchctl.sim.chips.i2c import Fault
from benchctl.sim.chips.modem import FakeRak3172
from benchctl.sim.rng import Rng
from drivers.rak3172 import Rak3172


class Clock:
    def __init__(self, modem):
        self.modem, self.now = modem, 0

    def run(self, driver, until_idle=True, limit_ms=120_000, step_ms=100):
        """Advance time in steps until the command in flight finishes."""
        end = self.now + limit_ms
        while self.now < end:
            self.now += step_ms
            self.modem.now_ms = self.now
            if driver.poll(self.now) and until_idle:
                return driver.result
        return driver.result


def rig():
    modem = FakeRak3172(Rng(3))
    return modem, Rak3172(modem), Clock(modem)


def test_setup_join_and_send_an_unconfirmed_uplink():
    modem, rak, clock = rig()
    assert rak.setup(clock.now) and clock.run(rak) == "ok"
    assert rak.join(clock.now)
    assert clock.run(rak) == "ok" and rak.joined
    assert rak.send(clock.now, 1, bytes.fromhex("0ca7440da05a100b10458815"))
    assert clock.run(rak) == "ok"
    assert rak.tx_done == 1
    assert modem.commands[-1] == "AT+SEND=1:0CA7440DA05A100B10458815"
    _, fport, payload, airtime, delivered = modem.uplinks[-1]
    assert (fport, payload.hex(), airtime, delivered) == (1, "0ca7440da05a100b10458815", 61696, True)


def test_join_fails_while_the_network_is_unreachable():
    modem, rak, clock = rig()
    modem.link_up = False
    rak.join(clock.now)
    assert clock.run(rak) == "join_failed" and not rak.joined


def test_send_before_joining_is_refused_by_the_modem():
    _, rak, clock = rig()
    rak.send(clock.now, 1, b"\x01")
    assert clock.run(rak) == "at_no_network_joined"


def test_one_command_at_a_time():
    _, rak, clock = rig()
    assert rak.join(clock.now)
    assert not rak.send(clock.now, 1, b"\x01")


def test_a_downlink_arrives_after_an_uplink():
    modem, rak, clock = rig()
    rak.join(clock.now)
    clock.run(rak)
    modem.downlinks.append((11, "0202"))
    rak.send(clock.now, 1, b"\x01")
    assert clock.run(rak) == "ok"
    assert rak.downlinks == [(11, b"\x02\x02")]


def test_a_silent_modem_times_out_inside_the_deadline():
    modem, rak, clock = rig()
    modem.fault = Fault.NACK
    rak.send(clock.now, 1, b"\x01")
    assert clock.run(rak) == "timeout"
    assert clock.now <= 8000 + 100 and rak.state == "idle" and rak.timeouts == 1


def test_garbage_on_the_line_is_counted_and_the_command_times_out():
    modem, rak, clock = rig()
    rak.join(clock.now)
    clock.run(rak)
    modem.fault = Fault.GARBAGE
    rak.send(clock.now, 1, b"\x01")
    assert clock.run(rak) in ("timeout", "ok")
    assert rak.garbage >= 1 and rak.state == "idle"


class Lines:
    """A UART that hands the driver the given bytes, then nothing."""

    def __init__(self, data):
        self.data = bytearray(data)
        self.written = b""

    def write(self, data):
        self.written += data

    def readinto(self, buf):
        n = min(len(buf), len(self.data))
        if n == 0:
            return None
        buf[0:n] = self.data[:n]
        del self.data[:n]
        return n


@pytest.mark.fuzz
@given(st.binary(max_size=400))
def test_any_bytes_from_the_modem_never_raise_and_the_driver_is_free_again(data):
    rak = Rak3172(Lines(data))
    rak.send(0, 1, b"\x01")
    rak.poll(100)
    rak.poll(9000)
    assert rak.state == "idle"


@given(st.lists(st.sampled_from(["OK", "AT_BUSY_ERROR", "AT_NO_NETWORK_JOINED", "+EVT:TX_DONE", "+EVT:JOINED",
                                 "+EVT:JOIN_FAILED_RX_TIMEOUT", "+EVT:RX_1:-80:5:UNICAST:10:0184",
                                 "+EVT:RX_1:x", "AT+NJS=1", "garbage"]), max_size=12))
def test_any_sequence_of_manual_answers_leaves_a_consistent_driver(lines):
    rak = Rak3172(Lines("\r\n".join(lines).encode() + b"\r\n"))
    rak.join(0)
    rak.poll(10)
    rak.poll(70_000)
    assert rak.state == "idle"
    assert len(rak.downlinks) <= 4
    assert all(1 <= port <= 223 for port, _ in rak.downlinks)


def test_a_link_check_rides_on_the_next_uplink_and_says_whether_the_network_heard_it():
    modem, rak, clock = rig()
    rak.join(clock.now)
    clock.run(rak)
    rak.link_check(clock.now)
    assert clock.run(rak) == "ok"
    rak.send(clock.now, 1, b"\x01")
    clock.run(rak)
    clock.run(rak, until_idle=False, limit_ms=500)
    assert rak.link_ok is True and rak.gateways == 1 and modem.network_downlinks == 1
    modem.link_up = False
    rak.link_check(clock.now)
    clock.run(rak)
    rak.send(clock.now, 1, b"\x02")
    clock.run(rak)
    clock.run(rak, until_idle=False, limit_ms=500)
    assert rak.link_ok is False and rak.link_checks == 2
    assert modem.uplinks[-1][4] is False  # the frame went into the air with nobody listening


def test_older_rui3_link_check_answers_with_commas_are_read_too():
    rak = Rak3172(Lines(b"+EVT:LINKCHECK:0,21,2,-60,11\r\n"))
    rak.poll(0)
    assert rak.link_ok is True and rak.gateways == 2


def test_a_query_returns_the_value_line_before_the_status():
    modem, rak, clock = rig()
    rak.join(clock.now)
    clock.run(rak)
    assert rak.query(clock.now, "NJS")
    assert clock.run(rak) == "ok" and rak.value == "1"
    assert modem.commands[-1] == "AT+NJS=?"


@pytest.mark.parametrize("size", [1, 51, 66, 67, 115, 222])
def test_every_downlink_eu868_allows_arrives_whole(size):
    # EU868 carries up to 222 bytes of application payload at DR5 (RP002 2.4.6).
    modem, rak, clock = rig()
    rak.join(clock.now)
    clock.run(rak)
    payload = bytes(range(size)) if size < 256 else b""
    modem.downlinks.append((5, payload.hex()))
    rak.send(clock.now, 1, b"\x01")
    assert clock.run(rak) == "ok"
    assert rak.downlinks == [(5, payload)]


@given(st.integers(481, 3000), st.sampled_from([b"OK", b"+EVT:TX_DONE", b"AT_ERROR"]))
def test_a_line_longer_than_any_answer_is_dropped_to_its_end_and_counted(length, tail):
    # The junk ends in what looks like a status: it must not complete the command in flight.
    rak = Rak3172(Lines(b"x" * (length - len(tail)) + tail + b"\r\nAT_BUSY_ERROR\r\n"))
    rak.send(0, 1, b"\x01")
    rak.poll(10)
    assert rak.result == "at_busy_error" and rak.long_lines == 1
