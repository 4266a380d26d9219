# The bench's presence sensors, derived from the trace's ground truth (`sitting`, `rain`, the
# irradiance): a PIR sees motion, so it catches people sitting down and misses them sitting
# still, catches them getting up and walking off, and fires when sun and clouds change the light; the radar sees a still sitter by
# breathing and sees ghosts in rain (domain-facts.md, occupancy).

_ARRIVAL_MS = 30000  # sitting down and settling: the PIR sees it
_LEAVING_MS = 20000  # getting up and walking out of its view: the PIR sees that too
_STILL_PCT = 10  # chance a still sitter moves enough for the PIR in a 10 s step
_LIGHT_STEP_MWM2 = 150000  # a change in irradiance this large trips the PIR


class Presence:
    def __init__(self, rng, ghost_pct):
        self.rng = rng
        self.ghost_pct = ghost_pct
        self.sitting = 0
        self.rain = 0
        self._since = None  # when the current sitters arrived
        self._left = None  # when the last of them got up
        self._poa = 0

    def set_sitting(self, n, now_ms):
        if n and not self.sitting:
            self._since = now_ms
        elif self.sitting and not n:
            self._left = now_ms
        self.sitting = n

    def pir(self, now_ms, dt_ms, poa_mwm2):
        """The PIR's output level for this step, 0 or 1."""
        light = abs(poa_mwm2 - self._poa) >= _LIGHT_STEP_MWM2
        self._poa = poa_mwm2
        if light:
            return 1
        if not self.sitting:
            return 1 if self._left is not None and now_ms - self._left < _LEAVING_MS else 0
        if self._since is not None and now_ms - self._since < _ARRIVAL_MS:
            return 1
        chance = _STILL_PCT * dt_ms // 10000
        return 1 if self.rng.below(100) < chance else 0

    def radar_cm(self):
        """Distance of the nearest target, or None for none."""
        if self.rain and self.rng.below(100) < self.ghost_pct:
            return 80 + self.rng.below(320)  # rain clutter: a target that is not there
        if self.sitting:
            return 55 + self.rng.below(30)
        return None
