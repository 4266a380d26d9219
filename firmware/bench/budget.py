# The energy budget: loads are granted from the charge above a reserve, never by a fixed ladder.
# The reserve is what the coldest likely temperature of the coming days will lock in the cells,
# plus the bench's own need for the days until the battery can next charge — both measured on
# the bench (bench/days.py). Reports are never shed for energy: they cost a few mWh a day.
from micropython import const

NAMES = ("normal", "qi-off", "usb-off", "lean", "quiet")
NORMAL = const(0)
QI_OFF = const(1)  # the pad (the least efficient way to charge a phone) waits for a margin
USB_OFF = const(2)
LEAN = const(3)  # below the reserve: the radar follows the PIR only, Wi-Fi connects only to send
QUIET = const(4)  # after a brownout, until the battery has a margin back: every load off

_PAD_MARGIN_PM = const(100)  # the pad needs 10 % of the capacity above the reserve
_USB_MARGIN_PM = const(10)  # USB ports 1 %
_QUIET_UNTIL_PM = const(50)  # quiet lasts until 5 % of the capacity can be taken out again
# A charge only estimated from the flat middle of the voltage curve may be this far off
# (13.0 V reads anywhere from 30 to 70 %): the reserve holds it back until an anchor.
_UNSURE_PM = const(200)


def mwh(mas):
    """mA*s at the pack's 12.8 V nominal in mWh: x 12800 / 3600000, exactly."""
    return mas * 16 // 4500


class Grants:
    """What a policy grants, read off its level: the pad is off from level 1 and USB from
    level 2, in the budget and in the ladder of bench/policy.py alike (each names its own)."""

    names = NAMES
    level = NORMAL

    def name(self):
        return self.names[self.level]

    def qi_allowed(self):
        return self.level < QI_OFF

    def usb_allowed(self):
        return self.level < USB_OFF


class EnergyBudget(Grants):
    def __init__(self, log):
        self.log = log
        self.level = NORMAL
        self.reserve_mwh = 0
        self.above_mwh = 0
        self.cold_days = 0
        self.heated = False  # a battery heater is fitted: a frozen battery can still be charged
        self._cap = None
        self._cap_mwh = 0

    def update(self, battery, temp_mc, days, hyst_pct):
        """Re-grant the loads from the battery's charge and the days' figures; True when the
        level changed (the console gets the numbers behind it)."""
        cap = battery.capacity_mas
        coldest = days.coldest_mc(temp_mc)
        locked = battery.locked_mas(coldest)
        self.cold_days = days.days_until_charge(temp_mc is not None and temp_mc < 0 and not self.heated)
        need = days.need_mwh
        unsure = cap * _UNSURE_PM // 1000 if battery.estimated else 0
        self.reserve_mwh = mwh(locked + unsure) + self.cold_days * need
        charge = battery.charge_mas or 0
        self.above_mwh = mwh(charge) - self.reserve_mwh
        if self.level == QUIET:
            usable = battery.usable_permille(25000 if temp_mc is None else temp_mc)
            level = QUIET if usable < _QUIET_UNTIL_PM else LEAN
        else:
            # Each sample, on the board's awake time: no tuple of limits built, the capacity's
            # figures kept until it changes. Down at once; back up past the margin plus the
            # hysteresis; the deeper level wins.
            if cap != self._cap:
                self._cap = cap
                self._cap_mwh = mwh(cap)
            cap_mwh = self._cap_mwh
            now = self.level
            above = self.above_mwh
            hyst = cap_mwh * hyst_pct // 100 if now > NORMAL else 0
            level = NORMAL
            if above < cap_mwh * _PAD_MARGIN_PM // 1000 + (hyst if QI_OFF <= now else 0):
                level = QI_OFF
            if above < cap_mwh * _USB_MARGIN_PM // 1000 + (hyst if USB_OFF <= now else 0):
                level = USB_OFF
            if above < (hyst if LEAN <= now else 0):
                level = LEAN
        if level == self.level:
            return False
        self.log.info("policy", "%s -> %s: reserve %s Wh (%d%% locked at %d C,%s %d day(s) of %s Wh until it can "
                      "charge), %s Wh %s it" % (
                          NAMES[self.level], NAMES[level], _wh(self.reserve_mwh),
                          1000 * locked // cap // 10 if cap else 0, coldest // 1000,
                          " 20% for a charge only estimated," if unsure else "", self.cold_days, _wh(need),
                          _wh(self.above_mwh if self.above_mwh >= 0 else -self.above_mwh),
                          "above" if self.above_mwh >= 0 else "short of"))
        self.level = level
        return True

    def go_quiet(self):
        self.level = QUIET

    def radar_held(self):
        return self.level >= LEAN

    def quiet(self):
        return self.level == QUIET

    def report_interval_s(self, cfg):
        return cfg["report_interval_s"]

    def sample_interval_s(self, cfg):
        return cfg["sample_interval_s"]


def _wh(mwh_value):
    whole, frac = divmod(mwh_value, 1000)
    return "%d.%d" % (whole, frac // 100)
