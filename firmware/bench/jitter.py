# Random delays for periodic transmissions (LoRaWAN TS001: periodic uplinks get a random
# jitter, so that benches started together do not keep colliding). A seeded xorshift32: the
# caller gives the seed (a board's own randomness, a replay's fixed seed), so replays repeat.


class Jitter:
    def __init__(self, seed):
        self.state = (seed & 0xFFFFFFFF) or 0x6D2B79F5

    def below(self, n):
        """A number in 0..n-1 (n >= 1)."""
        x = self.state
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self.state = x
        return x % n
