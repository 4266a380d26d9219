"""Store and forward on flash: records survive resets, a torn write costs at most the record
being written (and it is counted), a full queue drops the oldest and counts it, delivery is
oldest first. A hypothesis state machine drives puts, deliveries and power cuts."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.files import FileBlock
from bench.queue import ReportQueue, crc16
from benchctl.sim.chips.flash import FakeBlock

CAP = 8


def fresh(cap=CAP):
    block = FakeBlock((cap + 2) * 64)
    return block, ReportQueue(block, cap)


def test_crc16_ccitt_check_value():
    assert crc16(b"123456789", 9) == 0x29B1  # the CRC catalogue's check value for CRC-16/CCITT-FALSE


def test_records_come_out_oldest_first_and_survive_a_reset():
    block, q = fresh()
    for n in range(3):
        q.put(1, bytes([n]) * 12)
    q.ack() if q.peek() and q.peek()[2] == bytes(12) else None
    again = ReportQueue(block, CAP)
    assert len(again) == 2
    assert again.peek() == (1, 1, bytes([1]) * 12)


def test_a_full_queue_drops_the_oldest_and_counts_it():
    _, q = fresh()
    for n in range(CAP + 3):
        q.put(1, bytes([n]))
    assert q.dropped == 3 and len(q) == CAP
    assert q.peek()[2] == bytes([3])


def test_a_torn_record_is_lost_and_counted_once():
    block, q = fresh()
    q.put(1, b"a" * 12)
    q.put(1, b"b" * 12)
    block.tear(10)  # the second record's write was cut after 10 bytes
    again = ReportQueue(block, CAP)
    assert again.lost == 1
    assert again.peek() == (0, 1, b"a" * 12)
    again.ack()
    assert again.peek() is None


def test_a_torn_mark_sends_one_record_twice_rather_than_losing_it():
    block, q = fresh()
    q.put(1, b"a")
    q.put(1, b"b")
    q.ack()
    q.ack()
    block.tear(3)  # the second mark was cut
    again = ReportQueue(block, CAP)
    assert again.peek() == (1, 1, b"b")


def test_oversized_frames_are_refused():
    _, q = fresh()
    with pytest.raises(ValueError, match="at most 55 bytes"):
        q.put(1, bytes(56))


def test_file_block_keeps_records_in_a_real_file(tmp_path):
    path = str(tmp_path / "queue.bin")
    q = ReportQueue(FileBlock(path, 10 * 64), 8)
    q.put(2, b"\x01\x02")
    again = ReportQueue(FileBlock(path, 10 * 64), 8)
    assert again.peek() == (0, 2, b"\x01\x02")


ops = st.lists(st.one_of(
    st.tuples(st.just("put"), st.binary(min_size=1, max_size=51)),
    st.tuples(st.just("deliver"), st.integers(1, 5)),
    st.tuples(st.just("reset"), st.none() | st.integers(0, 63)),
), max_size=80)


@given(ops)
def test_nothing_is_lost_or_reordered_beyond_what_is_counted(steps):
    block, q = fresh()
    count = 0  # records put; each payload starts with its number
    delivered = []
    tears = lost = dropped = 0
    for op, arg in steps:
        if op == "put":
            q.put(1, count.to_bytes(2, "big") + arg[:49])
            count += 1
        elif op == "deliver":
            for _ in range(arg):
                record = q.peek()
                if record is None:
                    break
                delivered.append(int.from_bytes(record[2][:2], "big"))
                q.ack()
        else:
            lost += q.lost
            dropped += q.dropped
            if arg is not None:
                block.tear(arg)
                tears += 1
            q = ReportQueue(block, CAP)
    while (record := q.peek()) is not None:
        delivered.append(int.from_bytes(record[2][:2], "big"))
        q.ack()
    lost += q.lost
    dropped += q.dropped
    # Oldest first; a torn mark may send the last delivered record once more, never older.
    assert delivered == sorted(delivered)
    assert len(delivered) - len(set(delivered)) <= tears
    # Every record is delivered, dropped or lost; a power cut spoils at most the record being
    # written, which the queue counts when it finds it (or never stored, if cut before a byte).
    missing = count - len(set(delivered))
    assert missing <= dropped + lost + tears
    assert lost <= tears
