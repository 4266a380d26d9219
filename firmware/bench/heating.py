# Warming the battery so that it can charge: LiFePO4 must not be charged below 0 C, and in a
# Smiltene winter the box stays below it for months. The heater takes only the panel's surplus:
# its PWM share climbs while the battery does not discharge and halves when it does (additive
# increase, multiplicative decrease), so the heat is power the cold battery could not have
# stored anyway. Once the battery can charge, the heater only holds it at +1..+3 C and the
# surplus goes into the cells. Heat that cannot bring the battery into its charge window
# before dusk buys nothing, so after an hour the warming rate is projected to the end of the
# daylight and the heater gives up for the day when it falls short.
from micropython import const

_START_MC = const(2000)  # heat below +2 C ...
_STOP_MC = const(5000)  # ... up to +5 C: a few degrees of margin over the charge window
# Inside the charge window the heater only holds the battery between these two, and the rest
# of the surplus charges it: heat past them would be charge lost.
_HOLD_LO_MC = const(1000)
_HOLD_HI_MC = const(3000)
_STEP_PM = const(40)  # share added per sample while the battery holds (full power in ~4 min at 10 s)
# A battery discharging more than this while heating: the surplus is used up (two steps of the
# INA226 on its 1 mOhm shunt, 2.5 uV each: datasheet 7.6.1.2).
_DRAW_MA = const(5)
_DAYLIGHT_MV = const(8000)  # the panel's voltage says it sees light (open circuit ~21 V, dark 0)
_PROBE_MS = const(3600000)  # heat this long before judging the warming rate
_SUN_RISES = const(2)  # the morning's rate, doubled: the surplus grows towards noon
_CHARGE_NEED_MS = const(3600000)  # warm this long before dusk, or the heat buys no charge


class BatteryHeating:
    def __init__(self, heater, watts, log):
        self.heater = heater  # drivers/heater.PwmHeater
        self.watts = watts  # heater_w
        self.log = log
        self.share_pm = 0
        self.heating = False
        self.gave_up = False  # until dusk: the day cannot warm the battery in time
        self._since_ms = 0  # heating this long, and from this temperature
        self._from_mc = 0

    def _worth_it(self, dt_ms, batt_mc, light_left_ms):
        """False once an hour of heating shows the battery cannot reach the charge window
        an hour before dusk (today's light left, from yesterday's day length)."""
        if not self.heating:
            self._since_ms, self._from_mc = 0, batt_mc
            return True
        self._since_ms += dt_ms
        if self._since_ms < _PROBE_MS or batt_mc >= 0:
            return True
        rate = (batt_mc - self._from_mc) * 3600000 // self._since_ms  # m C an hour
        left = light_left_ms - _CHARGE_NEED_MS
        reach = batt_mc + _SUN_RISES * rate * (left if left > 0 else 0) // 3600000
        if reach >= 0:
            return True
        self.gave_up = True
        self.log.info("heater", "giving up for today: at %d.%d C/h the battery reaches %d C, not 0 C, an hour "
                      "before dusk" % (rate // 1000, rate % 1000 // 100, reach // 1000))
        return False

    def update(self, dt_ms, batt_mc, batt_ma, solar_mv, light_left_ms):
        """One sample: the battery's temperature and current, the panel's voltage, the
        daylight left today (ms). Returns the share set, permille."""
        light = solar_mv >= _DAYLIGHT_MV
        if not light:
            self.gave_up = False
        want = light and not self.gave_up and batt_mc is not None and (
            batt_mc < _START_MC or (self.heating and batt_mc < _STOP_MC))
        if want:
            want = self._worth_it(dt_ms, batt_mc, light_left_ms)
        if not want:
            if self.heating and not self.gave_up:
                self.log.info("heater", "off: %s" % (
                    "battery at %d C" % (batt_mc // 1000) if batt_mc is not None and batt_mc >= _STOP_MC else "dusk"))
            self.heating = False
            self.share_pm = 0
        else:
            if not self.heating:
                self.log.info("heater", "on: battery at %d C, heating from the panel's surplus" % (batt_mc // 1000))
            self.heating = True
            if batt_ma < -_DRAW_MA:
                self.share_pm //= 2
            elif batt_mc >= _HOLD_HI_MC:
                # In the charge window the surplus is the battery's: heat only to hold it there.
                self.share_pm = self.share_pm - _STEP_PM if self.share_pm > _STEP_PM else 0
            elif (batt_mc < _HOLD_LO_MC) and batt_ma >= 0 and self.share_pm < 1000:
                self.share_pm = self.share_pm + _STEP_PM if self.share_pm + _STEP_PM < 1000 else 1000
        self.heater.set(self.share_pm)
        return self.share_pm
