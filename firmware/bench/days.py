# What the bench learns of its own days, for the energy budget (bench/budget.py): its own need
# and the charge it takes in a day (rolling), the coldest battery temperature of the last week,
# the days in a row the battery could not charge, and the day length the panel sees (the
# season: the bench has no clock across a power cut). Kept in state.json across resets.
from micropython import const

from bench.energy import Energy

DAY_MS = const(86400000)
_WEEK = const(7)
_COLD_MARGIN_MC = const(5000)  # the coming days may be this much colder than the last week
_DISCHARGE_MIN_MC = const(-20000)  # LiFePO4 is not discharged below -20 C anyway
_FULL_PM = const(900)  # a day whose battery gave more than it took was dry, unless it was full
_DAYS_MIN = const(2)
_DAYS_MAX = const(30)
# An unheated battery in its box at Smiltene stays below 0 C from December into March
# (domain-facts "Winter energy"): frozen, it waits for spring, not for a sunny day.
_FROZEN_DAYS = const(90)
_NEED_GUESS_MWH = const(4000)  # before the first whole day: controller and board, a guess
_NO_TEMP = const(-100000)  # a day without a temperature


class Days:
    def __init__(self):
        self.need_mwh = _NEED_GUESS_MWH  # own need a day, rolling (a quarter of each new day)
        self.intake_mwh = 0  # charge into the battery a day, rolling
        self.dry = 0  # days in a row whose battery gave more than it took
        self.minima = [_NO_TEMP] * _WEEK  # the coldest battery temperature of the last days, m C (a ring)
        self._next = 0
        self._ring_min = None  # the coldest of `minima` (None: none known), kept as they change
        self.day_light_ms = 0  # the last whole day's light on the panel
        self.whole_days = 0
        # Today, so far:
        self.ms = 0
        self.light_ms = 0
        self.own = Energy()
        self.intake = Energy()
        self.outflow = Energy()  # out of the battery
        self.min_mc = None

    def add(self, dt_ms, own_uw, intake_uw, temp_mc, light):
        """One sample: the bench's own power (loads less ports and heater) and the power into
        the battery (negative out of it), uW; the battery's temperature; whether the panel sees light."""
        self.ms += dt_ms
        self.own.add(own_uw, dt_ms)
        if intake_uw > 0:  # one direction a sample: Energy counts no negative power
            self.intake.add(intake_uw, dt_ms)
        elif intake_uw < 0:
            self.outflow.add(-intake_uw, dt_ms)
        if light:
            self.light_ms += dt_ms
        if temp_mc is not None and (self.min_mc is None or temp_mc < self.min_mc):
            self.min_mc = temp_mc

    def day_over(self, soc_pm):
        """True once a day of uptime has been counted: the day's figures join the rolling ones."""
        if self.ms < DAY_MS:
            return False
        own = self.own.mwh
        self.need_mwh = own if self.whole_days == 0 else (3 * self.need_mwh + own) // 4
        self.intake_mwh = (3 * self.intake_mwh + self.intake.mwh) // 4
        if self.intake.mwh < self.outflow.mwh and soc_pm < _FULL_PM:
            self.dry += 1
        else:
            self.dry = 0
        self.minima[self._next] = _NO_TEMP if self.min_mc is None else self.min_mc
        self._next = (self._next + 1) % _WEEK
        self._ring_changed()
        self.day_light_ms = self.light_ms
        self.whole_days += 1
        self.ms = self.light_ms = 0
        self.own.clear()
        self.intake.clear()
        self.outflow.clear()
        self.min_mc = None
        return True

    def _ring_changed(self):
        coldest = None
        for t in self.minima:
            if t != _NO_TEMP and (coldest is None or t < coldest):
                coldest = t
        self._ring_min = coldest

    def week_min_mc(self):
        """The coldest battery temperature of the last week, today's included; None unknown.
        Asked twice a sample: the ring's coldest is kept as it changes, once a day."""
        coldest = self.min_mc
        ring = self._ring_min
        if ring is not None and (coldest is None or ring < coldest):
            coldest = ring
        return coldest

    def coldest_mc(self, now_mc):
        """The coldest the battery is likely to get in the coming days."""
        coldest = now_mc if now_mc is not None else 25000
        week = self.week_min_mc()
        if week is not None and week < coldest:
            coldest = week
        coldest -= _COLD_MARGIN_MC
        return coldest if coldest > _DISCHARGE_MIN_MC else _DISCHARGE_MIN_MC

    def days_until_charge(self, frozen=False):
        """Days the reserve must carry the bench: the longer it has gone without taking in what
        it needs, the longer it may still, within 2..30. A `frozen` battery (no heater, below 0 C
        now and this week) waits for the air to warm it: a Baltic winter's months."""
        if frozen:
            week = self.week_min_mc()
            if week is not None and week < 0:
                return _FROZEN_DAYS
        days = self.dry + _DAYS_MIN  # a dry day: the battery gave more than it took
        return days if days < _DAYS_MAX else _DAYS_MAX

    # -- state.json ------------------------------------------------------------------------------

    def saved(self):
        return [self.need_mwh, self.intake_mwh, self.dry, self.day_light_ms // 1000, self.whole_days,
                self.ms // 1000, self.light_ms // 1000, self.own.mwh, self.intake.mwh,
                _NO_TEMP if self.min_mc is None else self.min_mc, self._next] + self.minima + [self.outflow.mwh]

    def restore(self, values):
        # 18 values from firmware 0.1, which had no outflow counter; 19 since.
        if not isinstance(values, list) or len(values) not in (11 + _WEEK, 12 + _WEEK):
            return False
        for v in values:
            if not isinstance(v, int) or isinstance(v, bool):
                return False
        head = values[:9]
        for v in head:
            if v < 0:
                return False
        if head[5] * 1000 > DAY_MS or head[6] > head[5]:
            return False
        outflow = values[11 + _WEEK] if len(values) > 11 + _WEEK else 0
        if outflow < 0:
            return False
        for t in values[11:11 + _WEEK]:
            if t != _NO_TEMP and not -60000 <= t <= 100000:
                return False
        if not 0 <= values[10] < _WEEK:
            return False
        self.need_mwh, self.intake_mwh, self.dry, light_s, self.whole_days, ms_s, today_light_s, own, intake = head
        self.day_light_ms = light_s * 1000
        self.ms = ms_s * 1000
        self.light_ms = today_light_s * 1000
        self.own.mwh = own
        self.intake.mwh = intake
        self.min_mc = None if values[9] == _NO_TEMP else values[9]
        self._next = values[10]
        for i in range(_WEEK):
            self.minima[i] = values[11 + i]
        self._ring_changed()
        self.outflow.mwh = outflow
        return True
