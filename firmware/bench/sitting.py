# Sitting sessions from seat presence (PIR and radar combined): a session starts at the first
# presence after the bench was vacant, ends vacant_after_s after the last presence, counts if
# it lasted min_session_s, and is closed and flagged at max_session_s (a stuck sensor).
# Times are uptime milliseconds.

# Upper bounds of the duration buckets reported, in seconds: <5 min, <15 min, <1 h, longer.
BUCKETS_S = (300, 900, 3600)


class SittingSessions:
    def __init__(self, log):
        self.log = log
        self.start = None  # uptime ms of the open session's first presence
        self.last = None  # uptime ms of its latest presence
        self.count = 0
        self.occupied_ms = 0
        self.too_short = 0
        self.stuck = 0
        self.buckets = [0, 0, 0, 0]
        self.recent = []  # (start s, duration s) of the last counted sessions, newest last

    def update(self, now, present, vacant_ms, min_ms, max_ms):
        if present:
            start = self.start
            if start is None:
                start = self.start = now
                self.log.debug("sitting", "presence")
            self.last = now
            if now - start >= max_ms:
                self.stuck += 1
                self.log.warn("sitting", "occupied for %d s: closed as a stuck sensor" % ((now - start) // 1000))
                self._close(now, min_ms, now)
        elif self.start is not None and now - self.last >= vacant_ms:
            self._close(self.last, min_ms, now)

    def _close(self, end, min_ms, now):
        start = self.start
        if start is None:
            return
        duration = end - start
        self.start = None
        self.last = None
        if duration < min_ms:
            self.too_short += 1
            return
        self.count += 1
        self.occupied_ms += duration
        seconds = duration // 1000
        i = 0
        while i < len(BUCKETS_S) and seconds >= BUCKETS_S[i]:
            i += 1
        self.buckets[i] += 1
        self.recent.append((start // 1000, seconds))
        if len(self.recent) > 8:
            self.recent.pop(0)
        self.log.info("sitting", "session of %d s ended %d s ago" % (seconds, (now - end) // 1000))

    def occupied(self):
        return self.start is not None
