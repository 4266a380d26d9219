# LoRa time on air (Semtech AN1200.13) and the bench's airtime budget: The Things Network's
# fair use (30 s of uplink airtime and 10 downlinks per 24 h) and the 1 % duty cycle of the
# EU868 sub-band of the default channels (ETSI EN 300 220). Microseconds and milliseconds in
# integers; times are uptime ms.
from micropython import const

from bench.queue import crc16

_OVERHEAD = const(13)  # LoRaWAN MHDR + FHDR without FOpts + FPort + MIC (domain-facts.md)
_DAY_MS = const(86400000)
_BUCKET_MS = const(900000)  # the rolling day in 96 quarter hours
_BUCKETS = const(97)  # a 24 h window touches at most 97 of them: counting all is conservative
BUDGET_US = const(30000000)  # TTN fair use: 30 s of uplink airtime per device per 24 h
DOWNLINKS_PER_DAY = const(10)
_SAVED_MAX = const(1024)  # a saved book is about 300 characters; a longer file is not one
_HOUR_SHARE = const(4)  # no hour spends more than a quarter of the day's budget: a backlog
# drains over a few hours, never as a burst that leaves nothing for the rest of the day


def airtime_us(app_bytes, sf, bw_khz=125, cr=1):
    """Time on air of an uplink with `app_bytes` of application payload, in us: preamble of
    8 + 4.25 symbols, then 8 + ceil((8 PL - 4 SF + 28 + 16 CRC) / (4 (SF - 2 DE))) (CR + 4)
    symbols; PL = app_bytes + 13; CRC on; explicit header; DE (low data rate optimisation)
    at SF11 and SF12 on 125 kHz."""
    return phy_airtime_us(app_bytes + _OVERHEAD, sf, bw_khz, cr)


def phy_airtime_us(pl, sf, bw_khz=125, cr=1):
    tsym_us = (1 << sf) * 1000 // bw_khz
    de = 1 if sf >= 11 and bw_khz == 125 else 0
    num = 8 * pl - 4 * sf + 28 + 16
    den = 4 * (sf - 2 * de)
    n = 8 + max((num + den - 1) // den * (cr + 4), 0)
    return tsym_us * 49 // 4 + n * tsym_us


class AirtimeBudget:
    """Uplink airtime spent in the last 24 h (in quarter-hour buckets), downlinks in the last
    24 h, and when the sub-band's 1 % duty cycle opens again."""

    def __init__(self, budget_us=BUDGET_US):
        self.budget_us = budget_us
        self.buckets = [0] * _BUCKETS
        self.bucket_start = 0  # uptime ms at which the newest bucket began
        self.newest = 0  # index of the newest bucket
        self.free_at = 0  # uptime ms the duty cycle allows the next uplink
        self.downlink_times = []  # uptime ms of the downlinks of the last 24 h (at most 10)

    def _roll(self, now):
        while now - self.bucket_start >= _BUCKET_MS:
            self.bucket_start += _BUCKET_MS
            self.newest = (self.newest + 1) % _BUCKETS
            self.buckets[self.newest] = 0

    def spent_us(self, now):
        """Airtime of the last 24 h (at most one quarter hour more, never less)."""
        self._roll(now)
        return sum(self.buckets)

    def allows(self, now, toa_us):
        """True if an uplink of `toa_us` may start now."""
        if now < self.free_at:
            return False
        if self.spent_us(now) + toa_us > self.budget_us:
            return False
        b = self.buckets
        n = len(b)
        i = self.newest
        hour = b[i] + b[(i - 1) % n] + b[(i - 2) % n] + b[(i - 3) % n] + b[(i - 4) % n]
        return hour + toa_us <= self.budget_us // _HOUR_SHARE

    def wait_ms(self, now, toa_us):
        """A lower bound of how long until `allows(now, toa_us)` can turn true."""
        if now < self.free_at:
            return self.free_at - now
        return _BUCKET_MS - (now - self.bucket_start) if not self.allows(now, toa_us) else 0

    # -- across resets: the budget is on flash, or a reset loop could spend it many times --

    def saved(self, now):
        """The book as text at `now`: the buckets, newest last, in whole ms rounded up (never
        less than spent); `;` the age in whole seconds, rounded down, of each downlink kept (the
        newest ten); `;` the ms the duty cycle still keeps the sub-band closed; `;` a CRC-16 of
        all before it, so that a book cut short or written over reads as no book, never as a
        smaller one. Saved at every booking and hourly, so that time the bench ran is not lost
        to a reset (it is assumed not to have passed at all)."""
        self._roll(now)
        b = self.buckets
        n = len(b)
        ages = [str(max(0, now - t) // 1000) for t in self.downlink_times]
        text = (",".join([str((b[(self.newest + 1 + k) % n] + 999) // 1000) for k in range(n)]) + ";"
                + ",".join(ages) + ";" + str(max(0, self.free_at - now)) + ";")
        return text + "%04x" % crc16(text.encode(), len(text))

    def restore(self, text):
        """Buckets from `saved()`, as if no time had passed since (the bench cannot know how
        long it was off, so it assumes the shortest time: the budget frees no sooner than it
        should). A text that is not a whole saved book (cut short, written over, too long) is
        read as the worst it could have been: the day's airtime and downlinks all spent just
        now. Returns False then."""
        n = len(self.buckets)
        try:
            if len(text) > _SAVED_MAX:
                raise ValueError
            fields = text.split(";")
            if len(fields) == 4:  # this book: checked whole first
                body = text[:len(text) - len(fields[3])]
                if len(fields[3]) != 4 or int(fields[3], 16) != crc16(body.encode(), len(body)):
                    raise ValueError
                free_in = int(fields[2])
            elif len(fields) == 2:  # the book of firmware 0.1.0 (no CRC, no duty cycle)
                free_in = 0
            else:
                raise ValueError
            values = [int(p) * 1000 for p in fields[0].split(",")] if fields[0] else []
            ages = [int(a) for a in fields[1].split(",")] if fields[1] else []
            if len(values) != n or min(values) < 0 or (ages and min(ages) < 0) or free_in < 0:
                raise ValueError
        except ValueError:
            self._spent_all()
            return False
        # As if no time passed since: each downlink ages out no sooner than it should. Only
        # the newest ten matter to "fewer than ten in 24 h".
        ages.sort()
        self.downlink_times = [-a * 1000 for a in reversed(ages[:DOWNLINKS_PER_DAY])]
        self.buckets = values
        self.newest = n - 1
        self.bucket_start = 0
        self.free_at = free_in
        return True

    def _spent_all(self):
        n = len(self.buckets)
        self.buckets = [0] * n
        self.buckets[n - 1] = self.budget_us
        self.newest = n - 1
        self.bucket_start = 0
        self.downlink_times = [0] * DOWNLINKS_PER_DAY
        self.free_at = 0

    def spend(self, now, toa_us):
        self._roll(now)
        self.buckets[self.newest] += toa_us
        # 1 % duty cycle: after ToA, the sub-band stays closed for 99 x ToA.
        self.free_at = now + (toa_us * 100 + 999) // 1000

    def refund(self, now, toa_us, booked_at):
        """A booked frame never went on the air (the modem refused it or never answered):
        give its airtime back if its quarter hour is still the newest, else keep it spent."""
        self._roll(now)
        if booked_at >= self.bucket_start and self.buckets[self.newest] >= toa_us:
            self.buckets[self.newest] -= toa_us
            return True
        return False

    def downlink_allowed(self, now):
        times = self.downlink_times
        while times and now - times[0] >= _DAY_MS:
            times.pop(0)
        return len(times) < DOWNLINKS_PER_DAY

    def downlink_wait_ms(self, now):
        """How long until a downlink may be asked for again (0: now)."""
        if self.downlink_allowed(now):
            return 0
        return _DAY_MS - (now - self.downlink_times[0])

    def downlink_refund(self, booked_at):
        """A downlink booked when it was asked for never came (a join that failed): give it
        back, unless it was already dropped as the oldest."""
        times = self.downlink_times
        for i in range(len(times) - 1, -1, -1):
            if times[i] == booked_at:
                times.pop(i)
                return True
        return False

    def downlink(self, now):
        """A downlink was heard, asked for or not (the server's own count the same): the
        newest ten are kept, which is all "fewer than ten in 24 h" needs."""
        times = self.downlink_times
        self.downlink_allowed(now)
        times.append(now)
        if len(times) > DOWNLINKS_PER_DAY:
            times.pop(0)


def report_interval_s(configured_s, app_bytes, sf, share_pct=70, budget_us=BUDGET_US):
    """The report interval at this spreading factor: the configured one, doubled until a
    day of reports takes at most `share_pct` of the budget (the rest is for events, config
    read-backs and catching up a backlog)."""
    toa = airtime_us(app_bytes, sf)
    interval = configured_s
    while (86400 // interval) * toa * 100 > budget_us * share_pct and interval < 86400:
        interval *= 2
    return interval if interval < 86400 else 86400
