# The radar's power: an LD2410 draws about 80 mA at 5 V, more than the rest of the bench
# together, so on boards with a switch on its supply it runs only while someone may be there.
# The PIR (microamps) wakes it; it stays on while it or the PIR sees someone, and for
# `radar_hold_s` after; never in survival. `radar_hold_s` 0 keeps it on all the time.
from micropython import const

_WARMUP_MS = const(2000)  # after power-up the LD2410 needs a moment before its first frames


class RadarPower:
    def __init__(self, switch, log):
        self.switch = switch  # drivers.switch.LoadSwitch, or None: no switch, always on
        self.log = log
        self.on_since = 0
        self.seen_at = 0  # uptime ms someone was last seen (PIR or radar)
        if switch is not None:
            switch.set(True)  # on at boot: the first samples see whoever is already sitting

    def ready(self, now):
        """Powered long enough for its frames to mean something."""
        return self.switch is None or (self.switch.is_on and now - self.on_since >= _WARMUP_MS)

    def update(self, now, someone, hold_s, survival):
        if self.switch is None:
            return
        if someone:
            self.seen_at = now
        want = hold_s == 0 or (not survival and now - self.seen_at < hold_s * 1000)
        if want and not self.switch.is_on:
            self.on_since = now
            self.switch.set(True)
            self.log.debug("radar", "powered: someone may be there")
        elif not want and self.switch.is_on:
            self.switch.set(False)
            self.log.debug("radar", "off: nobody seen for %d s" % ((now - self.seen_at) // 1000))
