# Plays a board tape (sim/board_tape.py) into the firmware: the same boot and main loop as the
# replay's runner, with every device answering from the tape — no world, no chips, no plant in
# the heap, as on a board. Runs under MicroPython (sim/tape_main.py) and CPython alike.
from bench.boot import start
from bench.hardware import Hardware
from bench.loop import run
from benchctl.sim.board_tape import CALLBACK, FIRST_CODE, LIFE, METHODS, SLEEP, Played, TapeError, fold
from benchctl.sim.signals import End, Reset


class Player:
    def __init__(self, reader, board, write):
        self.r = reader  # a board_tape.Reader
        reader.player = self
        self.board = board
        self.out = write  # console lines, after the hash has them
        self.h = 0
        self.calls = 0
        self.lives = 0
        self.devices = []
        self.callbacks = []
        self.said = ["", "", ""]  # the last console lines, for an error that needs them

    def write(self, text):
        self.h = fold(self.h, text)
        self.said.pop(0)
        self.said.append(text)
        self.out(text)

    def _differs(self, what):
        # A firmware that ran out of heap catches the MemoryError and carries on otherwise than
        # it did when recorded: the console's last lines say so.
        return TapeError("call %d: %s; the console's last lines: %s" % (self.calls, what, " | ".join(self.said)))

    def call(self, dev, code, args, buf=None):
        # The hot path of a playback: fold() written out for the device and the method.
        h = self.h
        h = ((h << 5) + h + dev) & 0xFFFFFF
        h = ((h << 5) + h + code) & 0xFFFFFF
        for a in args:
            if a is buf:
                h = ((h << 5) + h + len(a)) & 0xFFFFFF
            elif type(a) is int:
                h = ((h << 5) + h + (a & 0xFFFFFF)) & 0xFFFFFF
            else:
                h = fold(h, a)
        self.h = h
        r = self.r
        while r.peek() == CALLBACK:  # the world acted on the firmware during this call
            self._callback()
        self.calls += 1
        got = r.byte()
        if got != code or r.uint() != dev:
            raise self._differs("the firmware called %s() on device %d, where the tape has %s(): it does not do "
                                "what it did when the tape was recorded"
                                % (METHODS[code - FIRST_CODE], dev,
                                   METHODS[got - FIRST_CODE] if FIRST_CODE <= got < FIRST_CODE + len(METHODS) else "?"))
        value = r.value(self.devices)  # raises what the device raised
        if buf is not None:
            r.take(r.uint(), buf)
        if code == SLEEP and r.uint() != self.h:
            raise self._differs("what the firmware did since its last sleep (its arguments to the devices or its "
                                "console lines) differs from the tape")
        return value

    def _callback(self):
        r = self.r
        r.byte()
        n = r.uint()
        arg = r.value(self.devices)
        if n >= len(self.callbacks):
            raise TapeError("the tape calls back handler %d; the firmware registered %d" % (n, len(self.callbacks)))
        self.callbacks[n](arg)

    def _hardware(self, setup):
        self.devices = [Played(self, 0)]  # the board's functions
        self.callbacks = []
        hw = Hardware(self.board, setup["bench_id"], self.write, None)
        for name in setup["fields"]:
            device = Played(self, len(self.devices))
            self.devices.append(device)
            setattr(hw, name, device)
        pins = []
        for _ in range(setup["port_pins"]):
            pins.append(Played(self, len(self.devices)))
            self.devices.append(pins[-1])
        hw.port_pins = pins
        board = self.devices[0]
        hw.clock = board.clock
        hw.sleep = board.sleep
        if setup["sockets"]:
            hw.open_socket = board.open_socket
        hw.reset_cause = setup["cause"]
        hw.seed = setup["seed"]
        hw.network = setup["network"]
        hw.watchdog_slice_ms = setup["slice"]
        return hw

    def play(self):
        """Every boot on the tape, to its end; returns the number of boots."""
        r = self.r
        while not r.at_end():
            if r.byte() != LIFE:
                raise TapeError("a boot was expected at byte %d of the tape" % (r.offset + r.pos - 1))
            self.lives += 1
            ended = self._life(r.value([]))
            # A reset clears a board's RAM: nothing of the last boot may stay referenced.
            self.devices = []
            self.callbacks = []
            if ended:
                if not r.at_end():
                    raise TapeError("the trace ended at byte %d of the tape, but more follows: the tape is "
                                    "not one recording" % (r.offset + r.pos))
                break
        return self.lives

    def _life(self, setup):
        """One boot, until it resets (False) or the tape ends (True); its objects die with it."""
        r = self.r
        hw = self._hardware(setup)
        try:
            bench = start(hw)
            if bench is None:
                return False  # it said why and restarts
            self.callbacks.append(bench.console_input)
            while not r.at_end() and r.peek() == CALLBACK:  # lines typed while it booted
                self._callback()
            run(bench, hw.clock, hw.sleep, hw.watchdog, hw.watchdog_slice_ms)
        except Reset:
            pass
        except End:
            return True
        return False
