# The battery heater: a heating pad behind a MOSFET, driven by PWM so that its average power is
# a share of its rating; the firmware matches that share to the panel's surplus (bench/heating.py).
from micropython import const

_FULL = const(65535)  # machine.PWM.duty_u16 at 100 %


class PwmHeater:
    def __init__(self, pwm):
        self.pwm = pwm
        self.share_pm = 0
        pwm.duty_u16(0)

    def set(self, share_pm):
        """Heat at `share_pm` permille of the pad's power (0 = off)."""
        share_pm = 0 if share_pm < 0 else (1000 if share_pm > 1000 else share_pm)
        if share_pm != self.share_pm:
            self.share_pm = share_pm
            self.pwm.duty_u16(share_pm * _FULL // 1000)
