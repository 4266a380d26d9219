# The battery's full-charge capacity, learnt the way fuel-gauge chips learn theirs (TI Impedance
# Track's Qmax, Maxim ModelGauge): the charge counted between two anchors — full, empty at the
# cold-locked bottom, a rest voltage at an end of the curve — over the share of the capacity that
# lies between them. The configured battery_ah is only the first guess.
from micropython import const

ANCHORS = ("none", "full", "empty", "rest", "restored")
NONE = const(0)
FULL = const(1)  # the controller's charge tapered away at its absorption voltage
EMPTY = const(2)  # a brownout: the battery reached its cut-off (the cold-locked bottom)
REST = const(3)  # a rest voltage at an end of the flat LiFePO4 curve
RESTORED = const(4)  # a charge kept on flash without the gauge's own anchors (an older firmware)
# How far each anchor's state of charge can be trusted, permille.
_QUALITY = (0, 1000, 1000, 700, 400)
# A measurement needs this much of the capacity between its anchors: an error e in an anchor's
# level becomes e / span in the capacity (TI asks 37 % for Qmax; a first measurement needs less).
_MIN_SPAN_PM = const(150)
# The evidence the estimate keeps at most, in permille of one full-quality measurement over
# the whole capacity: a new full measurement still moves it a third of the way (an aging pack).
_SURE_MAX = const(2000)
# A measurement outside 0.1x..2x of battery_ah is a counting fault, not a battery.
_LOWEST_PM = const(100)
_HIGHEST_PM = const(2000)


class Capacity:
    def __init__(self, guess_mas):
        self.guess_mas = guess_mas
        self.mas = guess_mas
        self.sure = 0  # evidence behind `mas`: 0 while it is battery_ah's guess
        self.anchor = NONE
        self.anchor_pm = 0  # state of charge at the anchor, permille of the capacity
        self.net_mas = 0  # charge counted since the anchor, + into the battery
        self.measured = 0  # measurements taken (the console shows it)

    def sure_pct(self):
        return self.sure * 100 // _SURE_MAX

    def set_anchor(self, kind, soc_pm):
        """The battery is at `soc_pm` of its capacity (anchor `kind`). The count since the last
        anchor measures the capacity when they lie far enough apart; counting starts again
        here. Returns the measured capacity (mA*s), or None."""
        measured = None
        span = soc_pm - self.anchor_pm
        if self.anchor != NONE and (span >= _MIN_SPAN_PM or -span >= _MIN_SPAN_PM):
            c = self.net_mas * 1000 // span
            if self.guess_mas * _LOWEST_PM // 1000 <= c <= self.guess_mas * _HIGHEST_PM // 1000:
                quality = _QUALITY[kind] if _QUALITY[kind] < _QUALITY[self.anchor] else _QUALITY[self.anchor]
                weight = (span if span > 0 else -span) * quality // 1000
                self.mas = (self.mas * self.sure + c * weight) // (self.sure + weight)
                self.sure = self.sure + weight if self.sure + weight < _SURE_MAX else _SURE_MAX
                self.measured += 1
                measured = c
        self.anchor = kind
        self.anchor_pm = soc_pm
        self.net_mas = 0
        return measured

    # -- state.json ------------------------------------------------------------------------------

    def drop_anchor(self):
        """The charge is no longer tied to a known level: the next anchor starts the count."""
        self.anchor = NONE
        self.anchor_pm = 0
        self.net_mas = 0

    def saved(self):
        return [self.mas, self.sure, self.anchor, self.anchor_pm, self.net_mas, self.measured]

    def restore(self, values):
        """From saved(); False (nothing changed) when the values do not make sense."""
        if not isinstance(values, list) or len(values) != 6:
            return False
        for v in values:
            if not isinstance(v, int) or isinstance(v, bool):
                return False
        mas, sure, anchor, anchor_pm, net, measured = values
        lo = self.guess_mas * _LOWEST_PM // 1000
        hi = self.guess_mas * _HIGHEST_PM // 1000
        if not (lo <= mas <= hi and 0 <= sure <= _SURE_MAX and 0 <= anchor < len(ANCHORS)
                and 0 <= anchor_pm <= 1000 and -2 * hi <= net <= 2 * hi and measured >= 0):
            return False
        self.mas, self.sure, self.anchor, self.anchor_pm = mas, sure, anchor, anchor_pm
        self.net_mas, self.measured = net, measured
        return True
