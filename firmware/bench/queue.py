# Store and forward: reports wait on flash until the network took them. Fixed 64-byte slots
# in one block (a preallocated file on the board), each record with its sequence number and
# a CRC-16, written in place; the delivered-up-to mark alternates between two slots of its
# own. A write torn by a power cut costs at most that record, and it is counted.
from micropython import const

CAPACITY = const(700)  # a week of 15-minute reports, and events, on flash
_SLOT = const(64)
_MAGIC = const(0xB5)
_ACK_MAGIC = const(0xA5)
_HEAD = const(7)  # magic, seq (u32), fport, length
_MAX_PAYLOAD = const(_SLOT - _HEAD - 2)


def block_bytes(capacity):
    """Size of the block a queue of `capacity` records needs (two mark slots, then records)."""
    return (capacity + 2) * _SLOT


_TABLE = []  # type: list  # CRC-16/CCITT of each byte value, made on first use (no work at import)


def _table():
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
        _TABLE.append(crc)


def crc16(data, end):
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) over data[0:end], a byte at a time."""
    if not _TABLE:
        _table()
    table = _TABLE
    crc = 0xFFFF
    for i in range(end):
        crc = ((crc << 8) & 0xFF00) ^ table[(crc >> 8) ^ data[i]]
    return crc


class ReportQueue:
    """`put` a frame, `peek` the oldest one not yet delivered, `ack` it once the network took
    it. Full: the oldest is dropped and counted. The block needs (capacity + 2) x 64 bytes."""

    def __init__(self, block, capacity):
        self.block = block
        self.capacity = capacity
        self._buf = bytearray(_SLOT)
        self.head = 0  # sequence number of the next record
        self.tail = 0  # sequence number of the oldest record not delivered
        self.dropped = 0  # pushed out by newer records while the queue was full
        self.lost = 0  # records a torn write or a bad slot made unreadable
        self._ack_slot = 0
        self._open()

    def __len__(self):
        return self.head - self.tail

    # -- slots ----------------------------------------------------------------------------------

    def _read_slot(self, index):
        self.block.readinto(index * _SLOT, self._buf)
        return self._buf

    def _valid(self, buf, magic):
        if buf[0] != magic or buf[6] > _MAX_PAYLOAD:
            return False
        end = _HEAD + buf[6]
        return crc16(buf, end) == (buf[end] << 8 | buf[end + 1])

    @staticmethod
    def _seq(buf):
        return buf[1] << 24 | buf[2] << 16 | buf[3] << 8 | buf[4]

    def _write_slot(self, index, magic, seq, fport, payload):
        buf = self._buf
        for i in range(_SLOT):
            buf[i] = 0xFF
        buf[0] = magic
        buf[1] = (seq >> 24) & 0xFF
        buf[2] = (seq >> 16) & 0xFF
        buf[3] = (seq >> 8) & 0xFF
        buf[4] = seq & 0xFF
        buf[5] = fport
        buf[6] = len(payload)
        buf[_HEAD:_HEAD + len(payload)] = payload
        end = _HEAD + len(payload)
        crc = crc16(buf, end)
        buf[end] = crc >> 8
        buf[end + 1] = crc & 0xFF
        self.block.write(index * _SLOT, buf)

    # -- opening after a reset -----------------------------------------------------------------

    def _open(self):
        newest = -1
        for i in range(self.capacity):
            buf = self._read_slot(2 + i)
            if self._valid(buf, _MAGIC):
                seq = self._seq(buf)
                if seq % self.capacity == i and seq > newest:
                    newest = seq
        acked = 0
        for i in range(2):
            buf = self._read_slot(i)
            if self._valid(buf, _ACK_MAGIC) and self._seq(buf) >= acked:
                acked = self._seq(buf)
                self._ack_slot = 1 - i
        self.head = newest + 1
        self.tail = acked if acked <= self.head else self.head
        if self.head - self.tail > self.capacity:
            self.tail = self.head - self.capacity
        # A torn write leaves the slot after the newest record unreadable: that record is
        # lost. Count it, and blank the slot so that the next boot does not count it again.
        if newest >= 0 or acked:
            slot = 2 + self.head % self.capacity
            buf = self._read_slot(slot)
            if buf[0] == _MAGIC and not self._valid(buf, _MAGIC):
                self.lost += 1
                for i in range(_SLOT):
                    buf[i] = 0xFF
                self.block.write(slot * _SLOT, buf)

    # -- use ------------------------------------------------------------------------------------

    def put(self, fport, payload):
        if len(payload) > _MAX_PAYLOAD:
            raise ValueError("a queued frame holds at most %d bytes, got %d" % (_MAX_PAYLOAD, len(payload)))
        if self.head - self.tail >= self.capacity:
            self.tail += 1
            self.dropped += 1
        self._write_slot(2 + self.head % self.capacity, _MAGIC, self.head, fport, payload)
        self.head += 1

    def peek(self):
        """(seq, fport, payload bytes) of the oldest record not delivered, or None. Records a
        torn write spoilt are skipped and counted as lost."""
        while self.tail < self.head:
            buf = self._read_slot(2 + self.tail % self.capacity)
            if self._valid(buf, _MAGIC) and self._seq(buf) == self.tail:
                return self.tail, buf[5], bytes(buf[_HEAD:_HEAD + buf[6]])
            self.lost += 1
            self.tail += 1
        return None

    def oldest_kept(self):
        """The oldest record still in its slot, delivered or not (the ring overwrites the rest)."""
        return self.head - self.capacity if self.head > self.capacity else 0

    def find_status(self, status_seq):
        """The newest record holding status frame `status_seq` (its first byte), or None:
        what a server's request to send reports again points at."""
        seq = self.head - 1
        while seq >= self.oldest_kept():
            record = self.record(seq)
            if record is not None and record[0] == 1 and record[1] and record[1][0] == status_seq:
                return seq
            seq -= 1
        return None

    def record(self, seq):
        """(fport, payload) of record `seq` if its slot still holds it and it reads back,
        else None (delivered records stay readable until the ring comes round)."""
        if not self.oldest_kept() <= seq < self.head:
            return None
        buf = self._read_slot(2 + seq % self.capacity)
        if self._valid(buf, _MAGIC) and self._seq(buf) == seq:
            return buf[5], bytes(buf[_HEAD:_HEAD + buf[6]])
        return None

    def ack_to(self, seq):
        """Every record before `seq` was delivered: one mark for all of them."""
        if seq > self.head:
            seq = self.head
        if seq > self.tail:
            self.tail = seq
            self._write_slot(self._ack_slot, _ACK_MAGIC, self.tail, 0, b"")
            self._ack_slot = 1 - self._ack_slot

    def ack(self):
        """The oldest record was delivered: mark it, in the older of the two mark slots."""
        if self.tail < self.head:
            self.tail += 1
            self._write_slot(self._ack_slot, _ACK_MAGIC, self.tail, 0, b"")
            self._ack_slot = 1 - self._ack_slot
