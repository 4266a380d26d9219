# The LiFePO4 battery's state of charge: coulomb counting in mA*s against a capacity that learns
# (bench/capacity.py), anchored by a full charge, a brownout and the rest voltage near the ends
# of the flat LiFePO4 curve; and how much of it the cold locks away.
from micropython import const

from bench.capacity import EMPTY, FULL, NONE, REST, RESTORED, Capacity

# Rest voltage of a 4-cell 12.8 V LiFePO4 pack -> state of charge in permille. Flat between
# 12.9 and 13.3 V, where 70-80 % of the capacity lies, so only the ends correct the count
# (shared/design/domain-facts.md, "Battery").
_OCV = (
    (10000, 0), (12000, 100), (12500, 130), (12900, 180), (13000, 500), (13100, 620),
    (13200, 720), (13300, 950), (13400, 990), (13600, 1000),
)
# Capacity available at a temperature, permille of nominal: 70 % at -20 C, 80 % at 0 C,
# all of it from 25 C up (domain-facts.md).
_DERATE = ((-20000, 700), (0, 800), (25000, 1000))
_CORRECT_BELOW = const(150)
_CORRECT_ABOVE = const(950)
# Full: the controller holds its absorption voltage and the current has tapered below C/50 for
# 3 min (the "charged voltage", "tail current" and "charged detection time" of battery monitors
# such as Victron's BMV; LiFePO4 absorption is 14.4-14.6 V, domain-facts.md).
_COLDEST_MC = const(-20000)  # LiFePO4 is not discharged below -20 C: the highest the locked bottom gets
_TAIL_DIV = const(180000)  # mA*s of capacity per mA of tail current: C/50
_FULL_NEED_MS = const(180000)
_REFULL_PM = const(30)  # after a full anchor, a new one only once 3 % has been taken out
_REST_SPAN_PM = const(150)  # a rest voltage replaces a better anchor only this far from it
# Below 12.9 V at rest a pack is in its bottom fifth (domain-facts.md): a brownout there was the
# battery's; above it, something else dipped the supply.
_EMPTY_MAX_MV = const(12900)


def _interpolate(table, x):
    if x <= table[0][0]:
        return table[0][1]
    for i in range(1, len(table)):
        x1, y1 = table[i]
        if x <= x1:
            x0, y0 = table[i - 1]
            return y0 + (y1 - y0) * (x - x0) // (x1 - x0)
    return table[-1][1]


def ocv_permille(mv):
    """State of charge a rested battery at `mv` millivolts has, permille."""
    return _interpolate(_OCV, mv)


def derate_permille(temp_mc):
    """Share of nominal capacity that can be taken out at `temp_mc` millidegrees C."""
    return _interpolate(_DERATE, temp_mc)


class Battery:
    def __init__(self, capacity_ah, full_mv=14000):
        self.capacity = Capacity(capacity_ah * 3600000)
        self.full_mv = full_mv
        self.charge_mas = None  # unknown until the first voltage, or restored from flash
        self.estimated = True  # True until an anchor (full, empty, a rest voltage) confirms it
        self._residual = 0  # mA*ms not yet a whole mA*s
        self.rest_ms = 0
        self._full_ms = 0
        self.temp_mc = None  # the battery's temperature as last seen (kept for a brownout)
        self.measured = None  # what the last anchor measured of the capacity, mA*s, or None
        self._locked = [None, None, 0, None, None, 0]  # (temp, capacity, locked) twice: locked_mas

    @property
    def capacity_mas(self):
        return self.capacity.mas

    def gauge(self):
        """The health frame's view of the gauge: capacity (mA*s), how sure (%), last anchor."""
        c = self.capacity
        return c.mas, c.sure_pct(), c.anchor

    def restore(self, charge_mas, gauge=None, temp_mc=None):
        """What state.json kept. A charge without the gauge's anchors (an older firmware, a
        bench in service) is the anchor to measure from."""
        if gauge is not None and self.capacity.restore(gauge):
            self.temp_mc = temp_mc
            self.estimated = self.capacity.anchor == NONE
        if charge_mas is not None and 0 <= charge_mas <= self.capacity.mas:
            self.charge_mas = charge_mas
            self.estimated = False  # a count kept across resets, not a guess off the flat curve
            if self.capacity.anchor == NONE:
                self.capacity.set_anchor(RESTORED, charge_mas * 1000 // self.capacity.mas)

    def saved(self):
        """For state.json: the charge, the gauge, the temperature a brownout would have met."""
        return self.charge_mas, self.capacity.saved(), self.temp_mc

    def emptied(self, mv):
        """Booted after a brownout, the battery now at `mv`: it was at its cut-off when the bench
        went dark, which at its temperature then is the cold-locked bottom. Unless the voltage
        says otherwise: a battery resting in the flat middle of its curve did not brown the
        board out (a supply dip did). Returns the capacity measured, or False for such a dip."""
        if mv > _EMPTY_MAX_MV:
            return False
        if self.temp_mc is None:
            # No temperature from before the brownout: the bottom was somewhere in the cold-locked
            # 0..30 %. Nothing usable is left, which is all the budget needs; but the level is no
            # anchor to measure the capacity from, so the count starts again without one.
            self.capacity.drop_anchor()
            self.charge_mas = self.capacity.mas * (1000 - derate_permille(_COLDEST_MC)) // 1000
            self.estimated = True
            self.measured = None
            return None
        level = 1000 - derate_permille(self.temp_mc)
        return self._anchor(EMPTY, level)

    def _anchor(self, kind, level):
        self.measured = self.capacity.set_anchor(kind, level)
        self.charge_mas = self.capacity.mas * level // 1000
        self.estimated = False
        return self.measured

    def update(self, dt_ms, mv, ma, rest_ma, rest_need_ms):
        """Count `ma` (positive charging) for `dt_ms`. Returns the anchor it met (FULL, REST)
        or NONE; `measured` then says what it measured of the capacity."""
        if self.charge_mas is None:
            self.charge_mas = self.capacity.mas * ocv_permille(mv) // 1000
            return NONE
        total = ma * dt_ms + self._residual
        if total >= 0:
            step, self._residual = divmod(total, 1000)
        else:
            step = -((-total) // 1000)
            self._residual = total - step * 1000
        cap = self.capacity
        cap.net_mas += step
        charge = self.charge_mas + step
        self.charge_mas = 0 if charge < 0 else (cap.mas if charge > cap.mas else charge)
        # Full: the absorption voltage with the current tapered below C/50.
        if mv >= self.full_mv and 0 <= ma <= cap.mas // _TAIL_DIV:
            self._full_ms += dt_ms
        else:
            self._full_ms = 0
        if self._full_ms >= _FULL_NEED_MS and (cap.anchor != FULL or cap.net_mas < -(cap.mas * _REFULL_PM // 1000)):
            self._full_ms = 0
            self._anchor(FULL, 1000)
            return FULL
        if -rest_ma < ma < rest_ma:
            self.rest_ms += dt_ms
        else:
            self.rest_ms = 0
        if self.rest_ms >= rest_need_ms:
            self.rest_ms = 0
            level = ocv_permille(mv)
            before = self.charge_mas
            if level <= _CORRECT_BELOW or level >= _CORRECT_ABOVE:
                # A rest voltage is a weaker anchor than a full charge or a brownout: it replaces
                # one only where it measures something (far enough from it).
                span = level - cap.anchor_pm
                if cap.anchor in (NONE, RESTORED, REST) or span >= _REST_SPAN_PM or -span >= _REST_SPAN_PM:
                    self._anchor(REST, level)
                else:
                    self.charge_mas = cap.mas * level // 1000
                    self.estimated = False
                    self.measured = None
                return REST if self.charge_mas != before else NONE
        return NONE

    def soc_permille(self):
        if self.charge_mas is None:
            return 0
        return self.charge_mas * 1000 // self.capacity.mas

    def locked_mas(self, temp_mc):
        """Charge the cold keeps in the cells at `temp_mc` (at -20 C, the lowest 30 %)."""
        # Asked twice a sample, for the coldest days ahead and for now; both change only with
        # a temperature read (every 5 min) or the capacity: two remembered answers.
        mas = self.capacity.mas
        memo = self._locked
        if memo[0] == temp_mc and memo[1] == mas:
            return memo[2]
        if memo[3] == temp_mc and memo[4] == mas:
            return memo[5]
        locked = mas * (1000 - derate_permille(temp_mc)) // 1000
        memo[3], memo[4], memo[5] = memo[0], memo[1], memo[2]
        memo[0], memo[1], memo[2] = temp_mc, mas, locked
        return locked

    def usable_permille(self, temp_mc):
        """Share of what can still be taken out at this temperature: the cold locks away the
        bottom of the capacity (at -20 C, the lowest 30 %)."""
        if self.charge_mas is None:
            return 0
        locked = self.locked_mas(temp_mc)
        usable = self.charge_mas - locked
        if usable <= 0:
            return 0
        return usable * 1000 // (self.capacity.mas - locked)
