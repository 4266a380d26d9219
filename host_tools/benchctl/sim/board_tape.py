# A board tape: everything a board's hardware answered the firmware during a replay, in call
# order, so that the firmware can run again with no simulator at all — under a board-sized
# heap on a 32-bit MicroPython, where the world's own objects would crowd the heap measured.
# Written by board_recorder.py (CPython), played here (MicroPython as well as CPython).
#
# The stream, per boot of the firmware: LIFE and its setup (a value), then for every call the
# firmware made on a device, once the call returned: the method's code, the device's number
# (7 bits a byte: a Wi-Fi bench opens a new socket at every reconnection),
# what it gave back (a value, or E errno / X reset cause / Z end of trace), then, for a call
# that reads into a buffer, what it wrote there; a sleep's answer also carries a hash of every
# argument the firmware passed and every console line it printed, so that a firmware that
# does anything else than it did when recorded stops at that sample. A callback into the
# firmware (a console line typed, a PIR edge's IRQ) comes where it happened: inside the call
# during which the world made it, before that call's answer.
from micropython import const

from benchctl.sim.signals import End, Reset

LIFE = const(1)
CALLBACK = const(2)
# What a value on the tape is, one byte each: the letter it stands for (b"NTFibsldorEXZ").
NONE = const(78)  # N
TRUE = const(84)  # T
FALSE = const(70)  # F
INT = const(105)  # i: zigzag, then 7 bits a byte
BYTES = const(98)  # b: length, bytes
TEXT = const(115)  # s: length, UTF-8
LIST = const(108)  # l: count, values
DICT = const(100)  # d: count, key and value pairs
NEW_DEVICE = const(111)  # o: a device the call made (a socket), numbered in turn
DEVICE = const(114)  # r: a device the firmware already holds, by its number
OS_ERROR = const(69)  # E: the call raised OSError(errno)
RESET = const(88)  # X: the call ended in a reset (its cause as text)
END = const(90)  # Z: the call ended the trace
METHODS = ("clock", "sleep", "open_socket", "feed", "value", "irq", "readfrom_mem_into", "writeto_mem", "scan",
           "readinto", "write", "any", "reset", "writebyte", "select_rom", "read", "duty_u16", "share_pm",
           "active", "connect", "isconnected", "status", "disconnect", "send", "recv", "close", "set_aside",
           "remove", "config")
FIRST_CODE = 16  # a call's code is FIRST_CODE + its index in METHODS
SLEEP = FIRST_CODE + 1
FILLS = ("readfrom_mem_into", "readinto")  # the buffer is the last argument
# Hardware fields a life's setup names, in the order devices are numbered (0 is the board's
# functions: clock, sleep, open_socket).
FIELDS = ("store", "queue_block", "i2c", "onewire", "pir_pin", "seat_pin", "radar_uart", "radar_power_pin",
          "modem_uart", "wlan", "qi_pin", "heater_pwm", "watchdog")
_MASK = 0xFFFFFF


def fold(h, v):
    """The running hash (24 bits, small integers on a 32-bit board) folded with `v`."""
    if v is None or v is True or v is False:
        return ((h << 5) + h + (3 if v is None else 2 if v else 1)) & _MASK
    if isinstance(v, int):
        return ((h << 5) + h + (v & _MASK)) & _MASK
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, (bytes, bytearray, memoryview)):
        h = ((h << 5) + h + len(v)) & _MASK
        for b in v:
            h = ((h << 5) + h + b) & _MASK
        return h
    if isinstance(v, (list, tuple)):
        for item in v:
            h = fold(h, item)
        return h
    if isinstance(v, dict):
        for key in sorted(v):
            h = fold(fold(h, key), v[key])
        return h
    return ((h << 5) + h + 7) & _MASK  # a device or a function: its presence only


class TapeError(Exception):
    """The tape does not match the firmware that plays it, or it is cut short."""


class Reader:
    """The tape read through one preallocated buffer."""

    def __init__(self, f):
        self.f = f
        self.buf = bytearray(1024)
        self.n = 0
        self.pos = 0
        self.offset = 0  # of buf[0] in the file

    def _fill(self):
        self.offset += self.n
        self.n = self.f.readinto(self.buf) or 0
        self.pos = 0
        return self.n

    def at_end(self):
        return self.pos >= self.n and not self._fill()

    def _short(self):
        raise TapeError("the tape ends in the middle of a call, at byte %d" % (self.offset + self.pos))

    def peek(self):
        if self.pos >= self.n and not self._fill():
            self._short()
        return self.buf[self.pos]

    def byte(self):
        pos = self.pos
        if pos >= self.n:
            if not self._fill():
                self._short()
            pos = 0
        self.pos = pos + 1
        return self.buf[pos]

    def uint(self):
        b = self.byte()
        if not b & 0x80:
            return b
        shift = 7
        value = b & 0x7F
        while True:
            b = self.byte()
            value |= (b & 0x7F) << shift
            if not b & 0x80:
                return value
            shift += 7

    def int(self):
        z = self.uint()
        return -(z >> 1) - 1 if z & 1 else z >> 1

    def take(self, n, into=None):
        out = into if into is not None else bytearray(n)
        done = 0
        while done < n:
            if self.pos >= self.n and not self._fill():
                self._short()
            k = self.n - self.pos
            if k > n - done:
                k = n - done
            out[done:done + k] = self.buf[self.pos:self.pos + k]
            self.pos += k
            done += k
        return out

    def value(self, devices):
        tag = self.byte()
        if tag == NONE:
            return None
        if tag == TRUE:
            return True
        if tag == FALSE:
            return False
        if tag == INT:
            return self.int()
        if tag == BYTES:
            return bytes(self.take(self.uint()))
        if tag == TEXT:
            return bytes(self.take(self.uint())).decode()
        if tag == LIST:
            return [self.value(devices) for _ in range(self.uint())]
        if tag == DICT:
            out = {}
            for _ in range(self.uint()):
                key = self.value(devices)
                out[key] = self.value(devices)
            return out
        if tag == NEW_DEVICE:
            device = Played(self.player, len(devices))
            devices.append(device)
            return device
        if tag == DEVICE:
            return devices[self.uint()]
        if tag == OS_ERROR:
            raise OSError(self.uint())
        if tag == RESET:
            raise Reset(bytes(self.take(self.uint())).decode())
        if tag == END:
            raise End()
        raise TapeError("unknown value tag %d at byte %d" % (tag, self.offset + self.pos - 1))


class Played:
    """A device of the board, as the tape says it answered."""

    IRQ_RISING = 1  # machine.Pin's, as sim/chips/pins.py's FakePin has them
    IRQ_FALLING = 2

    def __init__(self, player, number):
        self.p = player
        self.n = number

    def clock(self):
        return self.p.call(self.n, 16, ())

    def sleep(self, ms):
        return self.p.call(self.n, 17, (ms,))

    def open_socket(self, host, port):
        return self.p.call(self.n, 18, (host, port))

    def feed(self):
        return self.p.call(self.n, 19, ())

    def value(self, *a):
        return self.p.call(self.n, 20, a)

    def irq(self, handler=None, trigger=1):
        self.p.callbacks.append(handler)
        return self.p.call(self.n, 21, (handler, trigger))

    def readfrom_mem_into(self, addr, reg, buf):
        return self.p.call(self.n, 22, (addr, reg, buf), buf)

    def writeto_mem(self, addr, reg, buf):
        return self.p.call(self.n, 23, (addr, reg, buf))

    def scan(self):
        return self.p.call(self.n, 24, ())

    def readinto(self, *a):
        return self.p.call(self.n, 25, a, a[-1])

    def write(self, *a):
        return self.p.call(self.n, 26, a)

    def any(self):
        return self.p.call(self.n, 27, ())

    def reset(self, *a):
        return self.p.call(self.n, 28, a)

    def writebyte(self, v):
        return self.p.call(self.n, 29, (v,))

    def select_rom(self, rom):
        return self.p.call(self.n, 30, (rom,))

    def read(self, *a):
        return self.p.call(self.n, 31, a)

    def duty_u16(self, *a):
        return self.p.call(self.n, 32, a)

    def share_pm(self, *a):
        return self.p.call(self.n, 33, a)

    def active(self, *a):
        return self.p.call(self.n, 34, a)

    def connect(self, *a):
        return self.p.call(self.n, 35, a)

    def isconnected(self):
        return self.p.call(self.n, 36, ())

    def status(self, *a):
        return self.p.call(self.n, 37, a)

    def disconnect(self):
        return self.p.call(self.n, 38, ())

    def send(self, data):
        return self.p.call(self.n, 39, (data,))

    def recv(self, n):
        return self.p.call(self.n, 40, (n,))

    def close(self):
        return self.p.call(self.n, 41, ())

    def set_aside(self, name):
        return self.p.call(self.n, 42, (name,))

    def remove(self, name):
        return self.p.call(self.n, 43, (name,))

    def config(self, *a):
        return self.p.call(self.n, 44, a)
