# Records a board tape (sim/board_tape.py) while the replay's runner drives the firmware
# against the world: every device the firmware holds is wrapped for one boot, and every
# answer and callback goes on the tape in the order it happened. CPython only.
from types import SimpleNamespace

from benchctl.sim.board_tape import (
    BYTES,
    CALLBACK,
    DEVICE,
    DICT,
    END,
    FALSE,
    FIELDS,
    FILLS,
    FIRST_CODE,
    INT,
    LIFE,
    LIST,
    METHODS,
    NEW_DEVICE,
    NONE,
    OS_ERROR,
    RESET,
    SLEEP,
    TEXT,
    TRUE,
    fold,
)
from benchctl.sim.signals import End, Reset

CODES = {name: FIRST_CODE + i for i, name in enumerate(METHODS)}
CONSTANTS = ("IRQ_RISING", "IRQ_FALLING")  # the few class constants a driver reads off a device


class Recorded:
    """A device the firmware holds, passing each call through to the world's and recording it."""

    def __init__(self, recorder, number, device):
        self._recorder = recorder
        self._number = number
        self._device = device

    def __getattr__(self, name):
        # Called once per name: the method made here is kept on the instance.
        if name in CONSTANTS:
            return getattr(self._device, name)
        if name not in CODES:
            raise AttributeError(f"{name}: the firmware uses a device's {name!r}, which a board tape cannot "
                                 "record; add it to sim/board_tape.py's METHODS and Played")
        recorder = self._recorder

        def method(*args, **kw):
            return recorder.call(self, name, args, kw)
        self.__dict__[name] = method
        return method


class Recorder:
    def __init__(self, f):
        self.f = f
        self.out = bytearray()
        self.h = 0
        self.devices = 0
        self.callbacks = 0
        self.calls = 0
        self.ended = False  # past the end of the trace: the replay's summary reads the queue, unrecorded

    # -- encoding -------------------------------------------------------------------------------

    def _uint(self, n):
        out = self.out
        while n > 0x7F:
            out.append(0x80 | (n & 0x7F))
            n >>= 7
        out.append(n)

    def _value(self, v):
        out = self.out
        if v is None:
            out.append(NONE)
        elif v is True:
            out.append(TRUE)
        elif v is False:
            out.append(FALSE)
        elif isinstance(v, int):
            out.append(INT)
            self._uint(v << 1 if v >= 0 else ((-v - 1) << 1) | 1)
        elif isinstance(v, (bytes, bytearray, memoryview)):
            out.append(BYTES)
            self._uint(len(v))
            out += v
        elif isinstance(v, str):
            data = v.encode()
            out.append(TEXT)
            self._uint(len(data))
            out += data
        elif isinstance(v, (list, tuple)):
            out.append(LIST)
            self._uint(len(v))
            for item in v:
                self._value(item)
        elif isinstance(v, dict):
            out.append(DICT)
            self._uint(len(v))
            for key in v:
                self._value(key)
                self._value(v[key])
        elif isinstance(v, Recorded):
            out.append(DEVICE)
            self._uint(v._number)
        else:
            raise TypeError(f"a board tape cannot hold a {type(v).__name__} ({v!r})")

    def flush(self):
        self.f.write(self.out)
        self.out = bytearray()

    # -- a boot ---------------------------------------------------------------------------------

    def _device(self, device):
        recorded = Recorded(self, self.devices, device)
        self.devices += 1
        return recorded

    def life(self, hw):
        """Wrap the devices of one boot's `hw` in place; call just before the firmware starts."""
        self.devices = 0
        self.callbacks = 0
        board = self._device(SimpleNamespace(clock=hw.clock, sleep=hw.sleep, open_socket=hw.open_socket))
        fields = [name for name in FIELDS if getattr(hw, name) is not None]
        self.out.append(LIFE)
        self._value({"bench_id": hw.bench_id, "cause": hw.reset_cause, "seed": hw.seed, "network": hw.network,
                     "slice": hw.watchdog_slice_ms, "fields": fields, "port_pins": len(hw.port_pins),
                     "sockets": hw.open_socket is not None})
        for name in fields:
            setattr(hw, name, self._device(getattr(hw, name)))
        hw.port_pins = [self._device(pin) for pin in hw.port_pins]
        hw.clock = board.clock
        hw.sleep = board.sleep
        if hw.open_socket is not None:
            hw.open_socket = board.open_socket
        printed = hw.write

        def write(text):
            self.h = fold(self.h, text)
            printed(text)
        hw.write = write

    def console(self, console_input):
        """The bench's console input, recorded as the callback it is to the firmware."""
        return self._callback(console_input, None)

    def _callback(self, fn, device):
        number = self.callbacks
        self.callbacks += 1
        if fn is None:
            return None

        def called(arg):
            self.out.append(CALLBACK)
            self._uint(number)
            self._value(device if device is not None else arg)
            fn(device if device is not None else arg)
        return called

    # -- a call ---------------------------------------------------------------------------------

    def call(self, device, name, args, kw):
        if self.ended:
            return getattr(device._device, name)(*args, **kw)
        if name == "irq":  # as Played.irq has it: (handler, trigger)
            args = (kw.get("handler", args[0] if args else None), kw.get("trigger", args[1] if len(args) > 1 else 1))
        elif kw:
            raise TypeError(f"{name}: keyword arguments cannot be played back; pass them by position")
        code = CODES[name]
        buf = args[-1] if name in FILLS else None
        h = fold(fold(self.h, device._number), code)
        for a in args:
            h = fold(h, len(a) if a is buf else a)
        self.h = h
        if name == "irq":
            args = (self._callback(args[0], device), args[1])
        before = bytes(buf) if buf is not None else None
        try:
            ret = getattr(device._device, name)(*args)
        except OSError as e:
            self._answer(code, device, OS_ERROR)
            self._uint(e.args[0] if e.args and isinstance(e.args[0], int) else 5)
            raise
        except Reset as e:
            self._answer(code, device, RESET)
            data = str(e.args[0]).encode()
            self._uint(len(data))
            self.out += data
            raise
        except End:
            self._answer(code, device, END)
            self.ended = True
            raise
        if name == "open_socket":
            ret = self._device(ret)
            self._answer(code, device, NEW_DEVICE)
        else:
            self._answer(code, device, None)
            self._value(ret)
        if buf is not None:
            k = ret if isinstance(ret, int) and not isinstance(ret, bool) else \
                (len(buf) if bytes(buf) != before else 0)
            self._uint(k)
            self.out += bytes(buf[:k])
        if code == SLEEP:
            self._uint(self.h)
        if len(self.out) > 1 << 16:
            self.flush()
        return ret

    def _answer(self, code, device, tag):
        self.calls += 1
        self.out.append(code)
        self._uint(device._number)
        if tag is not None:
            self.out.append(tag)
