# The board's flash store, simulated: files that survive resets. The firmware's FileStore
# replaces a file by write-then-rename, so a write torn by a power cut leaves the old file:
# `tear()` does exactly that to the last write.
from bench.files import READ_MAX

_SLOT = 64  # bench/queue.py: a record slot, after two slots of delivered-up-to marks
_MAGIC = 0xB5

_CLOCK = [0]  # one write order for every fake flash region, so a reset tears the newest write


def _stamp():
    _CLOCK[0] += 1
    return _CLOCK[0]


class FakeFlash:
    def __init__(self):
        self.files = {}
        self.writes = 0
        self.stamp = 0
        self._last = None  # (name, previous content) of the latest write

    def read(self, name):
        data = self.files.get(name)
        return data if data is None or len(data) <= READ_MAX else data[:READ_MAX + 1]  # as FileStore.read

    def write(self, name, data):
        self._last = (name, self.files.get(name))
        self.files[name] = bytes(data)
        self.writes += 1
        self.stamp = _stamp()

    def settled(self):
        """The firmware acted on what it wrote (a frame went on the air after it): those writes
        were whole, and a later power cut can tear none of them (trace-v1: only a write in
        progress is cut short)."""
        self._last = None

    def set_aside(self, name):
        """As FileStore.set_aside: NAME becomes NAME.bad."""
        if name in self.files:
            self.files[name + ".bad"] = self.files.pop(name)

    def tear(self):
        """A reset cut the latest write short: the rename never happened."""
        if self._last is None:
            return None
        name, old = self._last
        if old is None:
            self.files.pop(name, None)
        else:
            self.files[name] = old
        self._last = None
        return name


class FakeBlock:
    """A region of flash written in place (the report queue's preallocated file). `tear(k)`
    cuts the latest write after its first k bytes: the rest keeps what was there before."""

    def __init__(self, size):
        self.data = bytearray(size)
        erased = b"\xff" * 64  # erased flash reads 0xFF; filled in steps to spare the heap
        for offset in range(0, size, 64):
            self.data[offset:offset + 64] = erased[:min(64, size - offset)]
        self.writes = 0
        self.stamp = 0
        self._last = None  # (offset, what those bytes held before the latest write)
        # Status reports (FPort 1) written as new queue records, seen from the flash's side:
        # the replay's check that every report the firmware counts reached its queue.
        self.status_written = 0

    def readinto(self, offset, buf):
        buf[0:len(buf)] = self.data[offset:offset + len(buf)]

    def write(self, offset, data):
        if offset >= 2 * _SLOT and len(data) > 6 and data[0] == _MAGIC and data[5] == 1:
            self.status_written += 1  # bench/queue.py's slot: magic, seq (u32), fport, length
        self._last = (offset, bytes(self.data[offset:offset + len(data)]))
        self.data[offset:offset + len(data)] = data
        self.writes += 1
        self.stamp = _stamp()

    def find(self, start, same):
        """The sequence number of the queue record for which `same(fport, payload)` holds,
        searching the ring from record `start` on (the bench sends its records in order, so
        the one it sends is almost always the next); None if no slot holds such a record.
        How the network tells which record an uplink carried, from what the flash was given,
        without looking inside the firmware."""
        data = self.data
        capacity = len(data) // _SLOT - 2
        for k in range(capacity):
            offset = (2 + (start + k) % capacity) * _SLOT
            if data[offset] != _MAGIC:
                continue
            n = data[offset + 6]
            if same(data[offset + 5], data[offset + 7:offset + 7 + n]):
                return data[offset + 1] << 24 | data[offset + 2] << 16 | data[offset + 3] << 8 | data[offset + 4]
        return None

    def settled(self):
        """As FakeFlash.settled."""
        self._last = None

    def tear(self, keep):
        """A power cut during the latest write: only its first `keep` bytes reached flash."""
        if self._last is None:
            return
        offset, old = self._last
        keep = min(keep, len(old))
        self.data[offset + keep:offset + len(old)] = old[keep:]
        self._last = None
