# Who sits on the bench, sample by sample: presence from the radar, the PIR and a seat switch
# as `occupancy` says (docs/occupancy.md), sittings from presence, whether the PIR can be
# trusted, and the radar's power. Times are uptime ms.
from micropython import const

from bench.pir_motion import CONFIRM_MS, PirMotion
from bench.pir_watch import MISSING, OK, SILENT, PirWatch
from bench.radar_power import (
    CHECK_EVERY_MS,
    DARK_CHECK_EVERY_MS,
    LEAN_CHECK_EVERY_MS,
    LEAN_LOOK_EVERY_MS,
    LOOK_EVERY_MS,
    RadarPower,
)
from bench.sensors import MA, MV
from bench.sitting import SittingSessions
from drivers.switch import LoadSwitch

_WHY = {"stuck": "motion in every sample for hours, the radar seeing nobody", "silent": "no motion for 3 days",
        "blind": "it missed 2 sittings in a row that the radar found"}
_BEFORE_MS = const(60000)  # a working PIR fired during a sitting the radar found, or this long before
_PIR_VACANT_MS = const(600000)  # deciding alone, the PIR ends a sitting after 10 min without motion
_LEAN_HOLD_S = const(60)  # lean: the radar confirms what the PIR saw, then goes off again
DAYLIGHT_MV = const(8000)  # the panel's voltage when it sees light (open circuit ~21 V, dark 0)


class Seat:
    def __init__(self, sensors, radar_gate, log):
        self.sensors = sensors
        self.log = log
        self.radar_power = RadarPower(LoadSwitch(radar_gate) if radar_gate is not None else None, log)
        self.pir_watch = PirWatch(sensors.pir is not None)
        self.pir_motion = PirMotion()
        self.sitting = SittingSessions(log)
        self._began = 0  # uptime ms the open sitting began
        self._radar_decided = False  # the radar decided the latest sample's presence
        self._near_before = False  # the radar saw a target in range at the sample before
        self._person = False  # the PIR's motion this sample is a person's
        self._doubted = False
        self._every = 0  # the radar's look cadence at the latest sample, ms (0: none)

    def update(self, now, s, v, policy):
        """One sample `s` (bench/sensors.py) under configuration `v` and the energy `policy`."""
        self._watch_pir(now, s, v)
        present = self._present(now, s, v)
        sitting = self.sitting
        was, counted = sitting.occupied(), sitting.count
        vacant = v["vacant_after_s"] * 1000
        if not self._radar_decided and vacant < _PIR_VACANT_MS:
            vacant = _PIR_VACANT_MS  # the PIR is blind to a still sitter for minutes at a time
        sitting.update(now, present, vacant, v["min_session_s"] * 1000, v["max_session_s"] * 1000)
        if not was and sitting.occupied():
            # The sitting began at the arrival's first motion: the PIR's alone, or the one
            # that woke the radar which then confirmed it.
            motion = self.pir_motion
            began = motion.arrived if not self._radar_decided else motion.began
            self._began = now
            if began is not None and now - CONFIRM_MS <= began < now and self.pir_watch.trusted():
                sitting.start = self._began = began
        if (was and not sitting.occupied() and sitting.count > counted and self._radar_decided
                and v["occupancy"] == "both"):
            # Sitting down is motion: a working PIR fired during the sitting or in the minute
            # before the radar (which it woke) saw it.
            saw = self.pir_watch.last_motion >= self._began - _BEFORE_MS
            self._pir_changed(self.pir_watch.sitting_ended(saw))
        self._power_radar(now, s, v, policy, present)

    def _present(self, now, s, v):
        # The radar measures distance, so while it answers it decides: a target beyond
        # radar_max_cm is a passer-by, whatever the PIR saw. The PIR (motion only, blind to a
        # still sitter) decides when the radar is not fitted, not answering, or not chosen,
        # and only while it can be trusted.
        mode = v["occupancy"]
        self._radar_decided = mode != "pir" and s.radar_ok
        if self._radar_decided:
            near = s.radar_cm is not None and s.radar_cm <= v["radar_max_cm"]
            # A new target starts a sitting when it holds for two samples or the PIR saw it
            # arrive: rain and wet leaves give the radar ghosts that come and go.
            present = near and (self._near_before or self.sitting.occupied() or self._arriving(now, s))
            self._near_before = near
        elif mode != "radar":
            present = self._person and self.pir_watch.trusted()
        else:
            present = False
        return present or bool(s.seat)

    def _arriving(self, now, s):
        """A trusted PIR saw someone arrive in the last 30 s: sitting down is motion."""
        began = self.pir_motion.began
        return (s.pir is not None and began is not None and now - began <= CONFIRM_MS
                and self.pir_watch.last_motion >= began and self.pir_watch.trusted())

    def _watch_pir(self, now, s, v):
        self._person = False
        if s.pir is None or v["occupancy"] == "radar":
            return
        motion = self.pir_motion
        self._person = motion.sample(now, bool(s.pir), None if s.solar is None else s.solar[MA],
                                     self.sitting.occupied())
        empty = s.radar_ok and (s.radar_cm is None or s.radar_cm > v["radar_max_cm"])
        watch = self.pir_watch
        self._pir_changed(watch.sample(now, s.pir, empty, motion.stepped))
        if watch.doubt != self._doubted:
            self._doubted = watch.doubt
            if watch.doubt:
                self.log.info("radar", "the PIR did not fire at %d changes of light: the radar looks every %d s "
                              "by day until it does" % (watch.unanswered, LOOK_EVERY_MS // 1000))
            else:
                self.log.info("radar", "the PIR fires again: the radar's looks by day every %d s" % (
                    CHECK_EVERY_MS // 1000))

    def _pir_changed(self, state):
        """The PIR watch's verdict changed: a fault (its bit in every report, one event when it
        starts and one when it ends), and the radar looks for itself meanwhile."""
        if state is None:
            return
        if state == OK:
            self.log.info("radar", "the PIR works again: it wakes the radar again")
        else:
            self.log.warn("radar", "the PIR is %s (%s): the radar looks for itself every %d s" % (
                state, _WHY[state], (LEAN_LOOK_EVERY_MS if state == SILENT else LOOK_EVERY_MS) // 1000))

    def _power_radar(self, now, s, v, policy, present):
        mode = v["occupancy"]
        watch = self.pir_watch
        if watch.state != OK and watch.state != MISSING and mode != "radar":
            self.sensors.judged("pir", watch.state, _WHY[watch.state])
        elif watch.state == OK and self.sensors.pir is not None and self.sensors.state.get("pir") is False:
            self.sensors.judged("pir", None, None)  # well again (a well PIR costs no call a sample)
        if mode == "pir":
            self._every = 0
            self.radar_power.update(now, False, 1, True)  # the PIR alone decides: the radar's 0.4 W saved
            return
        hold = v["radar_hold_s"]
        lean = policy.radar_held()
        if lean:
            hold = _LEAN_HOLD_S if hold == 0 or hold > _LEAN_HOLD_S else hold
        wakes = mode == "both" and watch.trusted()
        if wakes:  # the PIR wakes it; a look now and then checks the PIR misses nobody
            if s.solar is None or s.solar[MV] < DAYLIGHT_MV:
                every = DARK_CHECK_EVERY_MS
            elif watch.doubt:  # the light changed and the PIR did not fire: look as without it
                every = LEAN_LOOK_EVERY_MS if lean else LOOK_EVERY_MS
            else:
                every = LEAN_CHECK_EVERY_MS if lean else CHECK_EVERY_MS
        elif watch.state == SILENT:  # perhaps only nobody came: looks as when lean, until it fires
            every = LEAN_CHECK_EVERY_MS if lean else LEAN_LOOK_EVERY_MS
        else:
            every = LEAN_LOOK_EVERY_MS if lean else LOOK_EVERY_MS
        self._every = every
        unsure = self._near_before and not present  # a target to confirm at the next sample
        self.radar_power.update(now, present or (wakes and bool(s.pir)), hold, policy.quiet(), every, unsure)

    def describe(self, now, mode):
        """One line for the console: which sensors decide, and how each is judged, for the
        field engineer replacing one."""
        watch = self.pir_watch
        if self.sensors.pir is None:
            pir = "PIR none fitted"
        elif mode == "radar":
            pir = "PIR not asked"
        else:
            pir = "PIR %s, last motion %d s ago%s" % (watch.state, (now - watch.last_motion) // 1000,
                                                     ", doubted" if watch.doubt else "")
        if self.sensors.radar is None:
            radar = "radar none fitted"
        else:
            power = self.radar_power.switch
            if power is not None and not power.is_on:
                radar = "radar off"
            else:
                radar = "radar on, " + ("failed" if "radar" in self.sensors.failing() else "answering")
            if power is not None:
                radar += ", looks every %d s" % (self._every // 1000) if self._every else ", no looks"
        return "presence: occupancy %s; %s; %s" % (mode, pir, radar)
