# The trace's time line as the world meets it: the tape's records in their order, and the ends
# of the faults they switched on, merged so that the world stops at whichever comes first.
# A part of World (sim/world.py) that owns the tape's cursor and the faults still on.
from benchctl.sim.chips.i2c import Fault


class Schedule:
    def __init__(self, tape):
        self._tape = iter(tape)
        self._next = None  # the record read ahead: (t ms, channels, events)
        self.over = False  # the tape has no record left (faults may still be on)
        self.end = 0  # the last record's time: the trace's length once it is over
        self._fault_ends = []  # (end ms, role, kind, order of arrival), soonest end first
        self._fault_seq = 0
        self.next_end = None  # the soonest fault end (ms), for a look that costs no call

    def peek(self):
        """When the next record or fault end is due (ms); None when neither is left."""
        if self._next is None and not self.over:
            try:
                self._next = next(self._tape)
            except StopIteration:
                self.over = True  # _next stays None from here on
        ends = self._fault_ends
        if self._next is None:
            return ends[0][0] if ends else None
        t = self._next[0]
        if ends and ends[0][0] < t:
            return ends[0][0]
        return t

    def record(self, now):
        """The record due at `now`, as (channels, events), and the tape moves past it; None if
        what is due is a fault's end."""
        if self._next is None or self._next[0] > now:
            return None
        t, channels, events = self._next
        self._next = None
        self.end = t
        return channels, events

    def fault(self, role, kind, end):
        """A fault switched on until `end` (ms). Faults on one sensor may overlap: each lasts
        its own time, and the newest still on is the one the sensor shows (see ended)."""
        self._fault_seq += 1
        ends = self._fault_ends
        i = 0
        while i < len(ends) and ends[i][0] <= end:
            i += 1
        ends.insert(i, (end, role, kind, self._fault_seq))
        self.next_end = ends[0][0]

    def ended(self, now):
        """The faults whose time is up by `now`, in the order they end, each as (role, what the
        role shows now: the newest fault on it still on, or Fault.NONE); None if none ended."""
        ends = self._fault_ends
        out = None
        while ends and ends[0][0] <= now:
            role = ends.pop(0)[1]
            still = Fault.NONE
            newest = -1
            for _, other, kind, seq in ends:
                if other == role and seq > newest:
                    still, newest = kind, seq
            if out is None:
                out = []
            out.append((role, still))
        self.next_end = ends[0][0] if ends else None
        return out
