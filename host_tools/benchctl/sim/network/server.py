# The far end of a replay's radio: the network and the municipality's application server.
# It hears what the fake modem put on the air while the link was up, asks once for the first
# missing status report when their sequence numbers jump (downlink FPort 14,
# docs/payload-v1.md), and keeps the ground truth of which queued frames reached it.
_ASK_AGAIN_MS = 86400000  # a gap asked about and still open a day later is asked about again


class NetworkServer:
    def __init__(self, modem, capacity):
        self.modem = modem
        self.capacity = capacity
        self.expected = None  # the next status report number, or None after a boot
        self.asked = {}  # report number -> when it was asked for
        self.gap_requests = 0
        # Ground truth, by queue record: heard[seq % capacity] holds the record's lap round the
        # ring (1..255) once record seq was heard. The ring is the queue's own, so it covers
        # every record the bench can still send, in one byte each.
        self.heard = bytearray(capacity)
        self.delivered = 0  # status reports heard at least once
        self.frames = 0  # frames heard, repeats included

    def hear(self, now, seq, fport, payload):
        """The network took `payload`, the bench's queue record `seq` (None if not a queued
        frame)."""
        self.frames += 1
        if seq is not None and not self.was_heard(seq):
            self.heard[seq % self.capacity] = self._lap(seq)
            if fport == 1:
                self.delivered += 1
        if fport == 2 and payload and payload[0] == 1:
            self.expected = None  # a boot: the status reports count from 1 again
            return
        if fport != 1 or not payload:
            return
        n = payload[0]
        if self.expected is None or n == self.expected:
            self.expected = (n + 1) & 0xFF
            return
        if (n - self.expected) & 0xFF > 128:
            return  # an older report, sent again
        missing = self.expected
        asked = self.asked.get(missing)
        if asked is None or now - asked >= _ASK_AGAIN_MS:
            self.asked[missing] = now
            self.gap_requests += 1
            self.modem.downlinks.append((14, "%02x" % missing))
        self.expected = (n + 1) & 0xFF

    def _lap(self, seq):
        return (seq // self.capacity) % 255 + 1

    def was_heard(self, seq):
        return self.heard[seq % self.capacity] == self._lap(seq)
