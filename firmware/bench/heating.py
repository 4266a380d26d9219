# Warming the battery so that it can charge: LiFePO4 must not be charged below 0 C, and in a
# Smiltene winter the box stays below it for months. The heater takes only the panel's surplus:
# its PWM share climbs while the battery does not discharge and halves when it does (additive
# increase, multiplicative decrease), so the heat is power the cold battery could not have
# stored anyway. Once the battery can charge, the heater only holds it at +1..+3 C and the
# surplus goes into the cells. Surplus heat costs the battery nothing, so the heater never
# gives up on a day: a battery that only reaches 0 C at three in the afternoon still charges
# for the last hour of light (an earlier version gave up when the morning's rate looked too
# slow, and the 128 Wh bench of `make energy` lost the winter's sunny days to it).
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


class BatteryHeating:
    def __init__(self, heater, watts, log):
        self.heater = heater  # drivers/heater.PwmHeater
        self.watts = watts  # heater_w
        self.log = log
        self.share_pm = 0
        self.heating = False

    def update(self, batt_mc, batt_ma, solar_mv):
        """One sample: the battery's temperature and current, the panel's voltage. Returns the
        share set, permille."""
        light = solar_mv >= _DAYLIGHT_MV
        want = light and batt_mc is not None and (batt_mc < _START_MC or (self.heating and batt_mc < _STOP_MC))
        if not want:
            if self.heating:
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
