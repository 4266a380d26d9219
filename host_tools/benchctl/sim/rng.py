# A seeded xorshift32 generator: the same numbers under CPython and MicroPython (their own
# `random` modules differ), so garbage bytes and torn writes replay identically.


class Rng:
    def __init__(self, seed):
        self.state = (seed & 0xFFFFFFFF) or 0x9E3779B9

    def next(self):
        x = self.state
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self.state = x
        return x

    def below(self, n):
        return self.next() % n

    def fill(self, buf, start=0, end=None):
        end = len(buf) if end is None else end
        for i in range(start, end):
            buf[i] = self.next() & 0xFF
