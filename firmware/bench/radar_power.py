# The radar's power: an LD2410 draws about 80 mA at 5 V, more than the rest of the bench
# together, so on boards with a switch on its supply it runs only while someone may be there.
# While the PIR can be trusted (bench/pir_watch.py) its motion (microamps) wakes the radar,
# and a look now and then checks that the PIR misses nobody; without one — none fitted,
# failed, `occupancy: radar` — the radar wakes itself for short looks at a cadence the energy
# budget affords. It stays on while it sees someone and for `radar_hold_s` after; never when
# the budget is quiet. `radar_hold_s` 0: always on.
from micropython import const

_WARMUP_MS = const(2000)  # after power-up the LD2410 needs a moment before its first frames
_LOOK_MS = const(12000)  # a look: the warm-up, then ten seconds of frames (ten a second)
LOOK_EVERY_MS = const(180000)  # without a PIR: a look every 3 min (7 % of the time, 28 mW)
LEAN_LOOK_EVERY_MS = const(900000)  # and every 15 min while the energy budget is lean
# With a trusted PIR: a look every 15 min in daylight (1.3 %, 5 mW), hourly when lean, and
# every 3 h in the dark, when nobody sits and a December bench cannot spare the radar.
CHECK_EVERY_MS = const(900000)
LEAN_CHECK_EVERY_MS = const(3600000)
DARK_CHECK_EVERY_MS = const(10800000)


class RadarPower:
    def __init__(self, switch, log):
        self.switch = switch  # drivers.switch.LoadSwitch, or None: no switch, always on
        self.log = log
        self.on_since = 0
        self.seen_at = 0  # uptime ms someone was last seen (PIR or radar)
        self.look_at = 0  # uptime ms the latest look began (boot is one)
        if switch is not None:
            switch.set(True)  # on at boot: the first samples see whoever is already sitting

    def ready(self, now):
        """Powered long enough for its frames to mean something."""
        return self.switch is None or (self.switch.is_on and now - self.on_since >= _WARMUP_MS)

    def update(self, now, someone, hold_s, quiet, every_ms=0, unsure=False):
        """`someone`: the radar (or a trusted PIR) sees someone now. The radar looks for itself
        every `every_ms` (0: never, the radar is not wanted). `unsure`: a target not yet
        confirmed, which keeps it on for the next sample without holding it."""
        if self.switch is None:
            return
        if someone:
            self.seen_at = now
        held = not quiet and now - self.seen_at < hold_s * 1000
        want = hold_s == 0 or held or (unsure and not quiet)
        if not want and every_ms and not quiet:
            if now - self.look_at >= every_ms:
                self.look_at = now
            want = now - self.look_at < _LOOK_MS
        if want and not self.switch.is_on:
            self.on_since = now
            self.switch.set(True)
            self.log.debug("radar", "powered: someone may be there")
        elif not want and self.switch.is_on:
            self.switch.set(False)
            self.log.debug("radar", "off: nobody seen for %d s" % ((now - self.seen_at) // 1000))
