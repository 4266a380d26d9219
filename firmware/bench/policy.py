# The old energy policy, kept as the reference the budget (bench/budget.py) is measured against
# (`energy_policy: ladder`): a load-shedding ladder with hysteresis on the usable charge. Pad
# first, then USB ports, then the report cadence, and last a daily heartbeat.

from bench.budget import Grants

NAMES = ("normal", "qi-off", "usb-off", "slow-reports", "survival")
NORMAL = 0
QI_OFF = 1
USB_OFF = 2
SLOW = 3
SURVIVAL = 4

# LiFePO4 windows (domain-facts.md): no charging below 0 C; no discharge outside -20..60 C.
_CHARGE_MIN_MC = 0
_DISCHARGE_MIN_MC = -20000
_DISCHARGE_MAX_MC = 60000
_TEMP_HYST_MC = 2000


class EnergyPolicy(Grants):
    names = NAMES

    def __init__(self, log):
        self.log = log
        self.level = NORMAL
        self.cold = False  # battery below the charge window: the charge can only fall
        self.outside = False  # battery outside the discharge window

    def _thresholds(self, cfg):
        # While the battery cannot charge, the loads go earlier; the controller's own
        # thresholds stay, so a cold bench keeps reporting as long as a warm one.
        shift = cfg["cold_shift_pct"] if self.cold else 0
        return (
            0,
            (cfg["shed_qi_pct"] + shift) * 10,
            (cfg["shed_usb_pct"] + shift) * 10,
            cfg["slow_report_pct"] * 10,
            cfg["survival_pct"] * 10,
        )

    def update(self, usable_pm, batt_mc, cfg):
        """Move along the ladder; returns True when the level changed."""
        if batt_mc is not None:
            if self.cold:
                self.cold = batt_mc < _CHARGE_MIN_MC + _TEMP_HYST_MC
            else:
                self.cold = batt_mc < _CHARGE_MIN_MC
            lo, hi = _DISCHARGE_MIN_MC, _DISCHARGE_MAX_MC
            if self.outside:
                lo += _TEMP_HYST_MC
                hi -= _TEMP_HYST_MC
            self.outside = batt_mc < lo or batt_mc > hi
        limits = self._thresholds(cfg)
        hyst = cfg["hysteresis_pct"] * 10
        # Down the ladder at once to the deepest level whose threshold the charge is under
        # (thresholds need not be in order: a pad kept on to the end still lets reports
        # slow down); back up only past a level's threshold plus the hysteresis.
        level = NORMAL
        for i in range(1, SURVIVAL + 1):
            if usable_pm < limits[i]:
                level = i
        if level < self.level:
            back = NORMAL
            for i in range(1, self.level + 1):
                if usable_pm < limits[i] + hyst:
                    back = i
            level = back if back > level else level
        if self.outside and level < USB_OFF:
            level = USB_OFF
        if level == self.level:
            return False
        self.log.info("policy", "%s -> %s (usable charge %d%%%s)" % (
            NAMES[self.level], NAMES[level], usable_pm // 10,
            ", battery outside -20..60 C" if self.outside else (", battery below 0 C" if self.cold else "")))
        self.level = level
        return True

    def radar_held(self):
        return self.level >= SURVIVAL

    def quiet(self):
        return False

    def report_interval_s(self, cfg):
        if self.level >= SURVIVAL:
            return cfg["heartbeat_s"]
        if self.level >= SLOW:
            return cfg["report_interval_s"] * 4
        return cfg["report_interval_s"]

    def sample_interval_s(self, cfg):
        # Survival samples at most once a minute: the controller's own draw is what is left.
        base = cfg["sample_interval_s"]
        return base if self.level < SURVIVAL or base >= 60 else 60
