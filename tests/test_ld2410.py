"""LD2410 frame parsing: real report frames, split reads, garbage and resynchronisation."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchctl.sim.chips.radar import frame
from drivers.ld2410 import LD2410


class Uart:
    """Delivers the given bytes in chunks of `chunk`, as a UART's readinto would."""

    def __init__(self, data: bytes, chunk: int = 64):
        self.data = bytearray(data)
        self.chunk = chunk

    def readinto(self, buf):
        n = min(len(buf), self.chunk, len(self.data))
        if n == 0:
            return None
        buf[:n] = self.data[:n]
        del self.data[:n]
        return n


def engineering_frame(moving_cm, static_cm):
    # Protocol 2.3.2: type 0x01, head 0xAA, target data, then gate counts and energies.
    data = bytearray([0x01, 0xAA, 0x03, moving_cm & 0xFF, moving_cm >> 8, 40, static_cm & 0xFF,
                      static_cm >> 8, 55, 0x50, 0x00])
    data += bytes([8, 8]) + bytes(9) + bytes(9) + bytes([0x55, 0x00])
    return b"\xf4\xf3\xf2\xf1" + len(data).to_bytes(2, "little") + bytes(data) + b"\xf8\xf7\xf6\xf5"


def test_basic_frame_with_a_static_target():
    radar = LD2410(Uart(frame(87)))
    assert radar.poll() == 1
    assert radar.state == 2 and radar.nearest_cm == 87
    assert radar.present_within(150)
    assert not radar.present_within(80)


def test_frame_without_a_target():
    radar = LD2410(Uart(frame(None)))
    assert radar.poll() == 1
    assert radar.state == 0 and not radar.present_within(150)


def test_engineering_frame_reports_the_nearer_of_moving_and_static():
    radar = LD2410(Uart(engineering_frame(230, 120)))
    assert radar.poll() == 1
    assert radar.state == 3 and radar.nearest_cm == 120


def test_frame_split_across_reads_is_joined():
    uart = Uart(frame(60), chunk=5)
    radar = LD2410(uart)
    assert radar.poll() == 1 and radar.nearest_cm == 60


def test_garbage_before_and_between_frames_is_skipped_and_the_latest_frame_wins():
    data = b"\x00\xf4\xf3junk" + frame(300) + b"\xf4\xf3\xf2\xf1\xff\xff" + b"\x13" * 40 + frame(75)
    radar = LD2410(Uart(data, chunk=17))
    assert radar.poll() == 2
    assert radar.nearest_cm == 75
    assert radar.bad_frames >= 1


def test_a_newest_frame_with_a_broken_footer_is_counted_and_the_one_before_used():
    bad = bytearray(frame(50))
    bad[-1] ^= 0xFF
    radar = LD2410(Uart(frame(90) + bytes(bad)))
    assert radar.poll() == 1
    assert radar.nearest_cm == 90 and radar.bad_frames == 1


def test_silence_yields_no_frames():
    radar = LD2410(Uart(b""))
    assert radar.poll() == 0


@pytest.mark.fuzz
@given(st.binary(max_size=600), st.integers(1, 64))
def test_random_bytes_never_raise(data, chunk):
    radar = LD2410(Uart(data, chunk))
    radar.poll()
    assert radar.state in (0, 1, 2, 3)


@given(st.lists(st.tuples(st.binary(max_size=40), st.integers(0, 600)), min_size=1, max_size=6),
       st.integers(1, 64))
def test_frames_inside_garbage_are_found(parts, chunk):
    """Every frame after garbage is parsed, unless the garbage itself holds a header whose
    length swallows it; the last frame is always found."""
    data = b"".join(junk.replace(b"\xf4\xf3\xf2\xf1", b"") + frame(cm) for junk, cm in parts)
    radar = LD2410(Uart(data, chunk))
    assert radar.poll() >= 1
    assert radar.nearest_cm == parts[-1][1]


def test_a_live_radar_acknowledges_the_question_and_a_frozen_one_does_not():
    from benchctl.sim.chips.i2c import Fault
    from benchctl.sim.chips.radar import FakeRadarUart
    from benchctl.sim.rng import Rng
    from drivers.ld2410 import LD2410

    for fault, alive in ((Fault.NONE, True), (Fault.STUCK, False), (Fault.NACK, False), (Fault.GARBAGE, False)):
        uart = FakeRadarUart(Rng(1), 256)
        uart.fitted, uart.target_cm = True, 80
        radar = LD2410(uart)
        uart.now_ms = 1000
        assert radar.poll() > 0
        uart.fault = fault
        radar.ask_alive()
        uart.now_ms += 10_000  # the next sample: a configuring radar sent no reports
        frames = radar.poll()
        assert radar.answered_ask and (radar.acks == 1) == alive and radar.asked != alive, fault
        if alive:
            assert frames == 0
            uart.now_ms += 10_000
            assert radar.poll() > 0 and not radar.answered_ask  # reports again once it was ended
