# Whether the PIR can be trusted to wake the radar: a PIR in a park fails quietly (water in the
# lens, a cut wire, a stuck output), and a bench whose radar only the PIR switches on would then
# count nobody for good. Judged from the PIR's own samples and from what the radar finds.
# Times are uptime ms.
from micropython import const

# An output that never releases: motion in every sample for 2 h while the radar, looking,
# saw nobody at least 30 times; or for 12 h whatever the radar says (people who sit and chat
# keep a retriggering PIR high for hours, but not for half a day).
_STUCK_MS = const(7200000)
_STUCK_EMPTY = const(30)
_STUCK_ALONE_MS = const(43200000)
# No motion at all for three days: a winter night and a snowy day may pass with nobody, three
# days in a park do not. Flagged, and the radar looks a little more often (bench.py).
_SILENT_MS = const(259200000)
_MISSED = const(2)  # sittings the radar found with no PIR motion in any of them, in a row
# Sun and cloud edges trip a working PIR (domain-facts.md, occupancy): the panel saw the light
# change this many times in a row with no motion at any of them, and the PIR is doubted. Not a
# fault (the light does not always trip it): the radar looks more often to find out.
_DOUBT_STEPS = const(8)

OK = "ok"
MISSING = "missing"  # no PIR on this board, or occupancy: radar (the PIR is not asked)
STUCK = "stuck"  # never releases
SILENT = "silent"  # never fires
BLIND = "blind"  # misses sitters the radar sees


class PirWatch:
    def __init__(self, fitted, now=0):
        self.state = OK if fitted else MISSING
        self.last_motion = now  # the benefit of the doubt at boot
        self.high_since = None  # the first of an unbroken run of samples with motion
        self.empty = 0  # samples of that run in which the radar answered and saw nobody
        self.missed = 0
        self.unanswered = 0  # light steps in a row the PIR did not fire at
        self.doubt = False

    def trusted(self):
        return self.state == OK

    def sample(self, now, motion, radar_empty=False, light_step=False):
        """One sample's PIR reading (1 motion, 0 none); `radar_empty`: the radar answered and
        saw nobody; `light_step`: the panel saw the light change. Returns the new state when it
        changed, else None."""
        if self.state == MISSING:
            return None
        old = self.state
        if motion:
            self.unanswered = 0
            self.doubt = False
        elif light_step:
            self.unanswered += 1
            if self.unanswered >= _DOUBT_STEPS:
                self.doubt = True
        if motion:
            self.last_motion = now
            if self.high_since is None:
                self.high_since = now
                self.empty = 0
            if radar_empty:
                self.empty += 1
            high = now - self.high_since
            if (high >= _STUCK_MS and self.empty >= _STUCK_EMPTY) or high >= _STUCK_ALONE_MS:
                self.state = STUCK
            elif self.state in (SILENT, STUCK):
                self.state = OK  # it fires again, or released once: it is alive
        else:
            if self.state == STUCK:
                self.state = OK
            self.high_since = None
            if now - self.last_motion >= _SILENT_MS and self.state == OK:
                self.state = SILENT
        return self.state if self.state != old else None

    def sitting_ended(self, pir_saw_it):
        """A sitting the radar found has ended; `pir_saw_it`: the PIR fired during it. Returns
        the new state when it changed, else None."""
        if self.state == MISSING:
            return None
        old = self.state
        if pir_saw_it:
            self.missed = 0
            if self.state == BLIND:
                self.state = OK
        else:
            self.missed += 1
            if self.missed >= _MISSED and self.state == OK:
                self.state = BLIND
        return self.state if self.state != old else None
