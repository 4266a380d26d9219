# A 12.8 V LiFePO4 battery (4 cells) in its enclosure: charge in mA*ms, rest voltage from the
# state of charge, internal resistance, capacity that shrinks in the cold, and a lumped thermal
# model (heat capacity, the box's insulation, a heater). Figures in docs/plant.md.

# Rest voltage (mV) by state of charge (ppm): flat in the middle, steep at the ends
# (domain-facts: 13.0 V at 50 %, 12.0 V at 10 %, 12.9-13.3 V over 70-80 % of the capacity).
_OCV = ((0, 10000), (50000, 11500), (100000, 12000), (200000, 12800), (300000, 12900), (500000, 13000),
        (700000, 13100), (900000, 13300), (950000, 13400), (1000000, 13600))
# Share of the capacity that can be taken out (ppm) by battery temperature (m C):
# about 70 % at -20 C, 80 % at 0 C, all of it from 25 C (domain-facts).
_USABLE = ((-20000, 700000), (0, 800000), (25000, 1000000))
_SLICE_MS = 600000  # thermal steps of at most 10 min: the box's time constant is hours


def _lookup(table, x):
    # Written apart from firmware/bench/battery.py's, like the tables: the model is what the
    # firmware's estimates are checked against, so it shares no code with them.
    if x <= table[0][0]:
        return table[0][1]
    for i in range(1, len(table)):
        x1, y1 = table[i]
        if x <= x1:
            x0, y0 = table[i - 1]
            return y0 + (y1 - y0) * (x - x0) // (x1 - x0)
    return table[-1][1]


def ocv_mv(soc_ppm):
    return _lookup(_OCV, soc_ppm)


def usable_ppm(temp_mc):
    return _lookup(_USABLE, temp_mc)


class Battery:
    def __init__(self, capacity_mams, initial_ppm, r_mohm, heat_j_k, loss_mw_k, temp_mc):
        self.capacity = capacity_mams
        self.charge = capacity_mams * initial_ppm // 1000000
        self.r_mohm = r_mohm
        self.heat_j_k = heat_j_k  # cells and box, J/K
        self.loss_mw_k = loss_mw_k  # the box's insulation: heat lost per kelvin above the air
        self.temp_mc = temp_mc
        self._heat_uj = 0  # heat not yet a whole millikelvin
        self.heater_uws = 0  # the heater's energy, in the books
        self.ma = 0  # current of the last step, + charging
        self.v_mv = 0  # terminal voltage over the last step
        self.stored_uws = 0  # energy into the cells' rest voltage, uW*s (sum of I * OCV * dt)
        self.loss_uws = 0  # I^2 R in the internal resistance

    def soc_ppm(self):
        return self.charge * 1000000 // self.capacity

    def locked(self):
        return self.capacity * (1000000 - usable_ppm(self.temp_mc)) // 1000000

    def rest_mv(self):
        # The rest voltage barely moves with temperature (a few mV a cell): it follows the
        # state of charge alone.
        return ocv_mv(self.charge * 1000000 // self.capacity)

    def terminal_mv(self, ma, rest=None):
        """Under load. In the cold the bottom of the capacity cannot be reached: discharging
        into it, the voltage collapses to the empty cell's while that charge is still there."""
        if ma < 0 and self.charge <= self.locked():
            return _OCV[0][1] + ma * self.r_mohm // 1000
        return (self.rest_mv() if rest is None else rest) + ma * self.r_mohm // 1000

    def current_for(self, net_mw, rest):
        """The current (mA, + charging) that carries `net_mw` at the terminals."""
        ma = net_mw * 1000 // rest
        return net_mw * 1000 // (rest + ma * self.r_mohm // 1000)

    def full(self):
        return self.charge >= self.capacity

    def step(self, dt_ms, ma, v, held_mv=0):
        """Carry `ma` for `dt_ms`; the charge stays within 0..capacity (the caller limits
        the current so that it does; this only guards the ends). `v`: the rest voltage;
        `held_mv`: the terminal voltage when the controller holds it (absorption).
        Returns the mA*ms moved."""
        charge = self.charge + ma * dt_ms
        if charge > self.capacity:
            charge = self.capacity
        if charge < 0:
            charge = 0
        moved = charge - self.charge  # mA*ms actually moved
        self.charge = charge
        self.ma = ma
        self.v_mv = held_mv or self.terminal_mv(ma, v)
        self.stored_uws += moved * v // 1000  # mA*ms * mV = nW*s; /1000 -> uW*s
        self.loss_uws += (moved * ma // 1000) * self.r_mohm // 1000 if ma else 0
        return moved

    def warm(self, dt_ms, air_mc, heater_mw=0):
        """Heat balance of the box: C dT/dt = G (T_air - T) + P_heater, stepped in slices short
        against the time constant C / G (hours), with the heat carried in microjoules."""
        if heater_mw:
            self.heater_uws += heater_mw * dt_ms
        while dt_ms > 0:
            step = dt_ms if dt_ms < _SLICE_MS else _SLICE_MS
            dt_ms -= step
            power_mw = self.loss_mw_k * (air_mc - self.temp_mc) // 1000 + heater_mw
            heat = power_mw * step + self._heat_uj  # mW * ms = uJ
            d = self.heat_j_k * 1000
            mk = -((-heat) // d) if heat < 0 else heat // d  # towards zero: the rest carries
            self._heat_uj = heat - mk * self.heat_j_k * 1000
            self.temp_mc += mk
