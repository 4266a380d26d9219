# HiLink HLK-LD2410 24 GHz presence radar on a UART at 256000 baud (serial protocol V1.02):
# parses its report frames, resynchronises after garbage, keeps the nearest target.
from micropython import const

# 2.3: report frame = F4 F3 F2 F1, data length (u16 LE), data, F8 F7 F6 F5.
# Data = type (0x01 engineering, 0x02 basic), 0xAA, target state, moving cm (u16), moving
# energy, static cm (u16), static energy, detection cm (u16), [engineering data], 0x55, 0x00.
_HEADER = b"\xf4\xf3\xf2\xf1"
_FOOTER = b"\xf8\xf7\xf6\xf5"
_BASIC = const(0x02)
_ENGINEERING = const(0x01)
_HEAD = const(0xAA)
_TAIL = const(0x55)
_MAX_DATA = const(64)  # engineering frames carry 35 bytes; more is garbage
# 2.1: command frame = FD FC FB FA, length (u16 LE), command word (u16 LE), value, 04 03 02 01;
# its ACK carries the command word | 0x0100 and a status (0 success). "Enable configuration"
# (0x00FF, value 0x0001) is acknowledged and stops the report frames until "end
# configuration" (0x00FE): the ACK then waits alone in the UART's buffer for the next poll,
# which ends it. A radar whose output froze answers neither.
_CMD_HEADER = b"\xfd\xfc\xfb\xfa"
_ENABLE = b"\xfd\xfc\xfb\xfa\x04\x00\xff\x00\x01\x00\x04\x03\x02\x01"
_END = b"\xfd\xfc\xfb\xfa\x02\x00\xfe\x00\x04\x03\x02\x01"
_BUF = const(256)  # the UART's receive buffer (board.json rxbuf): one read takes all of it


class LD2410:
    """Call `poll()` each sample; then `state` (0 none, 1 moving, 2 static, 3 both) and
    `nearest_cm` describe the newest good frame, and `frames` counts the reads that held one."""

    def __init__(self, uart):
        self.uart = uart
        self._buf = bytearray(_BUF)
        self._mv = memoryview(self._buf)
        self._n = 0
        self.state = 0
        self.nearest_cm = 0
        self.frames = 0
        self.bad_frames = 0
        self.asked = False  # ask_alive() asked, and no ACK has come since
        self.configuring = False  # "enable configuration" sent: the next poll ends it
        self.acks = 0  # ACKs of "enable configuration" received
        self.answered_ask = False  # the latest poll was the one after ask_alive()

    def ask_alive(self):
        """Ask what a live radar acknowledges: the next poll finds its ACK (`acks` grows and
        `asked` turns False) unless its output is frozen, and it has no report frames."""
        self.uart.write(_ENABLE)
        self.asked = True
        self.configuring = True

    def poll(self):
        """Read what the radar sent; returns the report frames in it. The poll after
        `ask_alive` has none (the radar was being configured): `answered_ask` says so."""
        self.frames = 0
        while True:
            got = self.uart.readinto(self._mv[self._n:])
            if not got:
                break
            self._n += got
            self._scan()
        self.answered_ask = self.configuring
        if self.configuring:
            self.uart.write(_END)  # reports resume
            self.configuring = False
        return self.frames

    def present_within(self, max_cm):
        return self.state != 0 and self.nearest_cm <= max_cm

    def _drop(self, count):
        # Move the unparsed tail to the front (memmove through the memoryview, no allocation).
        rest = self._n - count
        if rest > 0:
            self._mv[0:rest] = self._mv[count:self._n]
        self._n = rest if rest > 0 else 0

    def _scan(self):
        """Only the newest frame matters, so search headers from the end: the last complete,
        valid frame is taken; an incomplete frame at the tail is kept for the next read."""
        buf = self._buf
        n = self._n
        if self.asked:
            at = buf.find(_CMD_HEADER, 0, n)
            # The ACK of "enable configuration": length 8, command 0x01FF, status 0 (2.2.1).
            if 0 <= at <= n - 18 and buf[at + 4] == 8 and buf[at + 6] == 0xFF and buf[at + 7] == 0x01 \
                    and buf[at + 8] == 0 and buf[at + 9] == 0:
                self.asked = False
                self.acks += 1
        end = n
        keep = -1
        while True:
            start = buf.rfind(_HEADER, 0, end)
            if start < 0:
                break
            end = start
            if n - start < 6:
                keep = start if keep < 0 else keep
                continue
            length = buf[start + 4] | (buf[start + 5] << 8)
            if length > _MAX_DATA or length < 13:
                self.bad_frames += 1
                continue
            stop = start + 6 + length
            if stop + 4 > n:
                if keep < 0 and stop + 4 - start <= _BUF:
                    keep = start  # the newest frame, still arriving
                continue
            if buf[stop:stop + 4] != _FOOTER or not self._data_ok(start, length):
                self.bad_frames += 1
                continue
            self._take(start)
            if stop + 4 == n and keep < 0:
                self._n = 0  # the newest frame ends the buffer: nothing to keep
                return
            break
        if keep >= 0:
            self._drop(keep)
        else:
            # Keep three bytes: they may be the start of a header split across reads.
            self._drop(n - 3 if n > 3 else 0)

    def _data_ok(self, start, length):
        buf = self._buf
        kind = buf[start + 6]
        if buf[start + 7] != _HEAD or buf[start + 4 + length] != _TAIL:
            return False
        if kind == _BASIC:
            return length == 13
        return kind == _ENGINEERING and length > 13

    def _take(self, start):
        buf = self._buf
        state = buf[start + 8] & 3
        moving = buf[start + 9] | (buf[start + 10] << 8)
        static = buf[start + 12] | (buf[start + 13] << 8)
        if state == 1:
            nearest = moving
        elif state == 2:
            nearest = static
        elif state == 3:
            nearest = moving if moving < static else static
        else:
            nearest = 0
        self.state = state
        self.nearest_cm = nearest
        self.frames += 1
