# Which of the PIR's motion is a person: a PIR sees a change of heat in its view, so sun and
# cloud edges trip it as a passer-by does. Used while the PIR decides presence alone (no radar,
# a failed one, or a radar off between looks). Times are uptime ms.
from micropython import const

# A change of light is seen by the panel too: its current moving by a tenth, and by at least
# 30 mA (noise at dawn and dusk is smaller), from one sample to the next; a cloud edge of
# 150 W/m2 is 17 % of a bright 900 W/m2. Motion in that
# sample is the light's. A full battery holds the panel's current (the controller takes less
# than the panel offers), and then the light's steps pass unseen: the arrival rule below is
# the one that always holds.
_LIGHT_PCT = const(10)
_LIGHT_MA = const(30)
# Sitting down is seconds of motion, and a retriggering PIR holds its output for seconds
# after it (HC-SR501, repeat trigger mode): an arrival is motion in two samples 30 s apart at
# most. A light step, a bird, a passer-by give one.
CONFIRM_MS = const(30000)


class PirMotion:
    def __init__(self):
        self.panel_ma = None  # the panel's current at the sample before
        self.first = None  # uptime ms of a first motion, not yet an arrival
        self.arrived = 0  # uptime ms of the first motion of the latest arrival
        self.began = None  # uptime ms of the first sample of the latest run of motion (any)
        self._moved = False  # motion at the sample before
        self.light = 0  # samples whose motion was the light's, since boot
        self.stepped = False  # the panel saw the light change at this sample

    def sample(self, now, motion, panel_ma, occupied):
        """One sample while the PIR decides: `motion` its output, `panel_ma` the panel's current
        (None without a solar monitor), `occupied` whether a sitting is open. True when this
        sample's motion is a person's: any motion during a sitting, an arrival before one."""
        before = self.panel_ma
        self.panel_ma = panel_ma
        stepped = False
        if before is not None and panel_ma is not None:
            step = panel_ma - before if panel_ma > before else before - panel_ma
            big = before if before > panel_ma else panel_ma
            stepped = step >= _LIGHT_MA and step * 100 >= big * _LIGHT_PCT
        self.stepped = stepped
        if motion and not self._moved:
            self.began = now
        self._moved = motion
        if not motion:
            return False
        if stepped:
            self.light += 1
            return False
        if occupied:
            return True
        first = self.first
        if first is not None and now - first <= CONFIRM_MS:
            self.first = None
            self.arrived = first
            return True
        self.first = now
        return False
