# The LiFePO4 battery's state of charge: coulomb counting in mA*s, corrected from the rest
# voltage near the ends of the flat LiFePO4 curve, and derated for temperature.

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
_CORRECT_BELOW = 150
_CORRECT_ABOVE = 950


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
    def __init__(self, capacity_ah):
        self.capacity_mas = capacity_ah * 3600000
        self.charge_mas = None  # unknown until the first voltage, or restored from flash
        self.estimated = True  # True until a rest voltage at an end of the curve confirms it
        self._residual = 0  # mA*ms not yet a whole mA*s
        self.rest_ms = 0

    def restore(self, charge_mas):
        if charge_mas is not None and 0 <= charge_mas <= self.capacity_mas:
            self.charge_mas = charge_mas

    def update(self, dt_ms, mv, ma, rest_ma, rest_need_ms):
        """Count `ma` (positive charging) for `dt_ms`; returns True if the voltage corrected it."""
        if self.charge_mas is None:
            self.charge_mas = self.capacity_mas * ocv_permille(mv) // 1000
            return False
        total = ma * dt_ms + self._residual
        if total >= 0:
            step, self._residual = divmod(total, 1000)
        else:
            step = -((-total) // 1000)
            self._residual = total - step * 1000
        charge = self.charge_mas + step
        self.charge_mas = 0 if charge < 0 else (self.capacity_mas if charge > self.capacity_mas else charge)
        if -rest_ma < ma < rest_ma:
            self.rest_ms += dt_ms
        else:
            self.rest_ms = 0
        if self.rest_ms >= rest_need_ms:
            level = ocv_permille(mv)
            if level <= _CORRECT_BELOW or level >= _CORRECT_ABOVE:
                target = self.capacity_mas * level // 1000
                changed = target != self.charge_mas
                self.charge_mas = target
                self.estimated = False
                self.rest_ms = 0
                return changed
        return False

    def soc_permille(self):
        if self.charge_mas is None:
            return 0
        return self.charge_mas * 1000 // self.capacity_mas

    def usable_permille(self, temp_mc):
        """Share of what can still be taken out at this temperature: the cold locks away the
        bottom of the capacity (at -20 C, the lowest 30 %)."""
        if self.charge_mas is None:
            return 0
        derate = derate_permille(temp_mc)
        locked = self.capacity_mas * (1000 - derate) // 1000
        usable = self.charge_mas - locked
        if usable <= 0:
            return 0
        return usable * 1000 // (self.capacity_mas - locked)
