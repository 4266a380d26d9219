# The USB serial console: lines typed by a field engineer, read without blocking the loop
# (select.poll on stdin), and printed lines. Input is bounded: of an over-long line one character
# more than the shell takes is kept, so that the shell refuses it whole (bench/console.py).
import select
import sys

_MAX_LINE = 121  # bench/console.py LINE_MAX + 1


class UsbConsole:
    def __init__(self):
        self._poll = select.poll()
        self._poll.register(sys.stdin, select.POLLIN)
        self._line = []
        self._ready = []

    def write(self, text):
        print(text)

    def lines(self):
        """Complete lines typed since the last call (reads only what is waiting)."""
        while self._poll.poll(0):
            ch = sys.stdin.read(1)
            if ch == "\x03":
                # On a board the runtime takes Ctrl-C before stdin sees it; where stdin is a
                # plain terminal (the virtual board) it arrives here: stop the same way.
                raise KeyboardInterrupt
            if ch in ("\r", "\n"):
                if self._line:
                    self._ready.append("".join(self._line))
                    self._line = []
            elif len(self._line) < _MAX_LINE:
                self._line.append(ch)
        ready = self._ready
        self._ready = []
        return ready
