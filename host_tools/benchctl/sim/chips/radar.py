# A fake HLK-LD2410 on a fake UART: it reports 10 basic frames a second (protocol V1.02 2.3);
# the UART's receive buffer keeps the newest `rxbuf` bytes, which a read returns in order.
from benchctl.sim.chips.i2c import Fault

_FRAME_MS = 100


def frame(target_cm):
    """One basic report frame: a static target at `target_cm`, or none for None."""
    data = bytearray(13)
    data[0] = 0x02
    data[1] = 0xAA
    if target_cm is not None:
        cm = target_cm if target_cm < 0xFFFF else 0xFFFF
        data[2] = 0x02
        data[6] = cm & 0xFF  # static target distance
        data[7] = cm >> 8
        data[8] = 60  # static energy
        data[9] = cm & 0xFF  # detection distance
        data[10] = cm >> 8
    data[11] = 0x55
    data[12] = 0x00
    return b"\xf4\xf3\xf2\xf1\x0d\x00" + bytes(data) + b"\xf8\xf7\xf6\xf5"


class FakeRadarUart:
    def __init__(self, rng, rxbuf):
        self.rng = rng
        self.rxbuf = rxbuf
        self.fitted = False  # the radar answers at all (radar_cm has been set)
        self.powered = True  # its supply (a board's radar_power_pin)
        self.target_cm = None
        self.fault = Fault.NONE
        self.now_ms = 0
        self._sent_until = 0  # stream time up to which frames are in the buffer
        self._pending = b""
        self._pos = 0  # bytes of _pending already read
        self._full_key = None
        self._full = b""
        self._frozen = None
        self._cache_key = -1
        self._cache = b""
        self.configuring = False  # "enable configuration" taken: no report frames until it ends

    def _frame(self):
        key = -2 if self.target_cm is None else self.target_cm
        if key != self._cache_key:
            self._cache_key = key
            self._cache = frame(self.target_cm)
        return self._cache

    def _refill(self):
        frames = (self.now_ms - self._sent_until) // _FRAME_MS
        if frames <= 0:
            return
        self._sent_until += frames * _FRAME_MS
        if not self.fitted or not self.powered or self.fault == Fault.NACK or self.configuring:
            return
        one = self._frame()
        if self.fault == Fault.STUCK:
            if self._frozen is None:
                self._frozen = one
            one = self._frozen
        else:
            self._frozen = None
        if frames * len(one) < self.rxbuf:
            stream = self._pending[self._pos:] + one * frames
            self._pending = stream[-self.rxbuf:] if len(stream) > self.rxbuf else stream
        else:
            # The buffer overflowed: it holds the newest rxbuf bytes of the stream alone,
            # the same bytes every time the frame is the same.
            if one is not self._full_key:
                self._full_key = one
                self._full = (one * (self.rxbuf // len(one) + 1))[-self.rxbuf:]
            self._pending = self._full
        if self.fault == Fault.GARBAGE:
            junk = bytearray(len(self._pending))
            self.rng.fill(junk)
            self._pending = bytes(junk)
        self._pos = 0

    def write(self, data):
        """Commands from the firmware (protocol 2.1): "enable configuration" is acknowledged
        (2.2.1) and stops the report frames until "end configuration", acknowledged too; a
        radar that is off, silent, frozen or talking garbage takes no command."""
        if not (self.fitted and self.powered and self.fault == Fault.NONE):
            return len(data)
        self._refill()  # the frames sent before the command
        acks = b""
        if b"\xfd\xfc\xfb\xfa\x04\x00\xff\x00" in data:
            acks += b"\xfd\xfc\xfb\xfa\x08\x00\xff\x01\x00\x00\x01\x00\x40\x00\x04\x03\x02\x01"
            self.configuring = True
        if b"\xfd\xfc\xfb\xfa\x02\x00\xfe\x00" in data:
            acks += b"\xfd\xfc\xfb\xfa\x04\x00\xfe\x01\x00\x00\x04\x03\x02\x01"
            self.configuring = False
        self._pending = self._pending[self._pos:] + acks
        self._pos = 0
        return len(data)

    def power(self, on):
        """Its supply switched: off, it sends nothing; on again, frames as before."""
        if not on:
            self._pending = b""
            self._pos = 0
            self.configuring = False  # its RAM
        self.powered = bool(on)

    def any(self):
        self._refill()
        return len(self._pending) - self._pos

    def readinto(self, buf):
        if self.now_ms - self._sent_until >= _FRAME_MS:
            self._refill()
        pos = self._pos
        n = min(len(buf), len(self._pending) - pos)
        if n <= 0:
            return None  # machine.UART: nothing before the timeout
        buf[0:n] = self._pending[pos:pos + n]
        self._pos = pos + n
        return n
