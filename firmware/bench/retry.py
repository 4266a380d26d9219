# When the LoRaWAN link may try again: a doubling back-off for setting the modem up and for
# joining, and the join airtime limits of LoRaWAN TS001 7 (retransmission back-off).
from micropython import const

_FIRST_MS = const(15000)
_JOIN_MAX_MS = const(3600000)
_SETUP_MAX_MS = const(300000)  # setting the modem up costs no airtime: try at least every 5 min
_HOUR_MS = const(3600000)
_DAY_MS = const(86400000)


def join_budget_us(since_boot_ms):
    """TS001 7: join airtime at most 36 s in the first hour after power-up, 36 s in each of
    the next ten hours, 8.7 s per 24 h after that."""
    return 36000000 if since_boot_ms < 11 * _HOUR_MS else 8700000


def join_window(since_boot_ms):
    """Which TS001 window `since_boot_ms` is in: 0 the first hour, 1 the next ten, then one a day."""
    if since_boot_ms < _HOUR_MS:
        return 0
    if since_boot_ms < 11 * _HOUR_MS:
        return 1
    return 2 + (since_boot_ms - 11 * _HOUR_MS) // _DAY_MS


class Retry:
    def __init__(self):
        self.at = 0  # uptime ms of the next try
        self.wait_ms = _FIRST_MS  # the wait after the next failure
        self.window = 0
        self.join_airtime_us = 0  # spent on JoinRequests in the current TS001 window

    def due(self, now):
        """0 if a try may start now, else the ms until it may."""
        return self.at - now if now < self.at else 0

    def failed(self, now, joining):
        """A try failed: wait, twice as long next time (up to an hour for joins, five minutes
        for the modem's setup)."""
        self.at = now + self.wait_ms
        self.wait_ms = min(self.wait_ms * 2, _JOIN_MAX_MS if joining else _SETUP_MAX_MS)

    def succeeded(self):
        self.wait_ms = _FIRST_MS

    def join_allows(self, now, toa_us):
        window = join_window(now)
        if window != self.window:
            self.window = window
            self.join_airtime_us = 0
        return self.join_airtime_us + toa_us <= join_budget_us(now)

    def joined_for(self, toa_us):
        self.join_airtime_us += toa_us

    def later(self, now, ms):
        self.at = now + ms
