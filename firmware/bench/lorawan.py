# The LoRaWAN link: joins with back-off inside TS001's limits, sends queued frames oldest first
# within the airtime budget and the duty cycle, and checks now and then that the network hears
# it. Frames leave the flash queue only when a link check after them succeeded; a failed check
# sends everything since the last good one again.
from micropython import const

from bench.airtime import AirtimeBudget, airtime_us, phy_airtime_us
from bench.jitter import Jitter

_JOIN_FIRST_MS = const(15000)
_JOIN_MAX_MS = const(3600000)
_JOIN_PHY_BYTES = const(23)  # a JoinRequest: MHDR, JoinEUI, DevEUI, DevNonce, MIC
_CHECK_EVERY = const(12)  # frames between link checks: 8 a day at 15-minute reports
_CHECK_MAX_MS = const(10800000)  # and at least every 3 h while there is something to send
_CHECK_DOWN_MS = const(1800000)  # while the link is down, probe it every 30 min
_HOUR_MS = const(3600000)
_JITTER_MS = const(30000)  # a new frame waits a random 0..30 s before its first transmission
_FPORT_RESEND = const(14)  # downlink: send again from status report N (docs/payload-v1.md)


def join_budget_us(since_boot_ms):
    """TS001 7 (retransmission back-off): join airtime at most 36 s in the first hour after
    power-up, 36 s in each of the next ten hours, 8.7 s per 24 h after that."""
    # The window itself (the first hour, then ten hours, then each day) is LoRaLink._window.
    return 36000000 if since_boot_ms < 11 * _HOUR_MS else 8700000


class LoRaLink:
    def __init__(self, modem, queue, log, budget=None, seed=1):
        self.modem = modem
        self.queue = queue
        self.log = log
        self.budget = budget if budget is not None else AirtimeBudget()
        self.state = "setup"  # setup -> join -> joined
        self.next_join = 0
        self.join_wait_ms = _JOIN_FIRST_MS
        self.join_airtime_us = 0  # spent in the current TS001 window
        self.join_window = 0  # which window it is: 0 first hour, 1 next ten hours, then days
        self.joins = 0
        self.cursor = queue.tail  # the next record to send
        self.checked = queue.tail  # records before this one were heard by the network
        self.since_check = 0
        self.last_check = 0
        self.checking = False  # the frame in flight carries a link check
        self.link_up = None  # the last check's verdict
        self.sent = 0
        self.resent = 0
        self._in_flight = None  # seq of the frame the modem is sending
        self._check_deadline = 0
        self._next_new = queue.tail  # the lowest record never sent yet
        self.jitter = Jitter(seed)
        self.resend_requests = 0
        self._resending = False  # sending records already delivered, at the server's request
        self._hold_until = 0  # a new frame's random delay
        self._held = -1  # the record that delay belongs to

    def _window(self, now):
        return 0 if now < _HOUR_MS else (1 if now < 11 * _HOUR_MS else 2 + (now - 11 * _HOUR_MS) // 86400000)

    def tick(self, now, sf):
        modem = self.modem
        done = modem.poll(now)
        if modem.downlinks:
            self._resend_requests()
        if modem.state != "idle":
            return
        if self.state == "setup":
            if modem.setup(now):
                self.state = "setup_wait"
            return
        if self.state == "setup_wait":
            self.state = "join" if modem.result == "ok" else "setup"
            return
        if self.state == "join":
            self._join(now, sf)
            return
        if self.state == "joining":
            self._joined(now, modem.result)
            return
        if self.state == "send_wait":
            self._sent(now, done)
            return
        if not modem.joined:
            self.log.warn("lorawan", "the modem lost the network; joining again")
            self.state = "join"
            return
        self._send(now, sf)

    def _resend_requests(self):
        """The server saw a gap in the status reports' sequence numbers and asks for them
        again (FPort 14, one byte: the first missing report). Other downlinks are the bench's."""
        keep = []
        for fport, data in self.modem.downlinks:
            if fport != _FPORT_RESEND:
                keep.append((fport, data))
                continue
            seq = self.queue.find_status(data[0]) if len(data) == 1 else None
            if seq is None:
                self.log.warn("lorawan", "asked to resend report %s, which is no longer kept"
                              % (data[0] if data else "?"))
                continue
            self.resend_requests += 1
            self.log.info("lorawan", "the server missed report %d: sending from it again" % data[0])
            if seq < self.cursor:
                self.cursor = seq
                self._resending = seq < self.queue.tail
        self.modem.downlinks[:] = keep

    # -- joining -------------------------------------------------------------------------------

    def _join(self, now, sf):
        if now < self.next_join:
            return
        window = self._window(now)
        if window != self.join_window:
            self.join_window = window
            self.join_airtime_us = 0
        toa = phy_airtime_us(_JOIN_PHY_BYTES, sf)
        if self.join_airtime_us + toa > join_budget_us(now) or not self.budget.allows(now, toa):
            self.next_join = now + 60000
            return
        if self.modem.join(now):
            self.join_airtime_us += toa
            self.budget.spend(now, toa)
            self.joins += 1
            self.state = "joining"

    def _joined(self, now, result):
        if result == "ok" and self.modem.joined:
            self.log.info("lorawan", "joined after %d attempt(s)" % self.joins)
            self.state = "joined"
            self.join_wait_ms = _JOIN_FIRST_MS
            self.cursor = self.checked  # what was not confirmed goes again
            return
        self.next_join = now + self.join_wait_ms
        self.log.warn("lorawan", "join failed (%s); next try in %d s" % (result, self.join_wait_ms // 1000))
        self.join_wait_ms = min(self.join_wait_ms * 2, _JOIN_MAX_MS)
        self.state = "join"

    # -- sending -------------------------------------------------------------------------------

    def _send(self, now, sf):
        q = self.queue
        if self.cursor >= q.tail:
            self._resending = False
        elif not self._resending or self.cursor < q.oldest_kept():
            self.cursor = q.tail
        if self.checked < q.tail:
            self.checked = q.tail
        if self.link_up is False and now - self.last_check < _CHECK_DOWN_MS:
            return  # the network did not hear the last check: wait, then probe again
        record = q.record(self.cursor)
        if record is None:
            if self.cursor < q.head:
                self.cursor += 1  # unreadable (counted by the queue): skip it
            return
        fport, payload = record
        if self.cursor >= self._next_new:
            # A frame never sent: spread it by a random delay, once.
            if self._held != self.cursor:
                self._held = self.cursor
                self._hold_until = now + self.jitter.below(_JITTER_MS)
            if now < self._hold_until:
                return
        toa = airtime_us(len(payload), sf)
        if not self.budget.allows(now, toa):
            return
        check = (self.since_check + 1 >= _CHECK_EVERY or now - self.last_check >= _CHECK_MAX_MS
                 or self.link_up is not True)
        if check and not self.checking:
            if self.modem.link_check(now):
                self.checking = True
            return  # the check request takes this tick; the frame goes at the next one
        if self.modem.send(now, fport, payload):
            self.budget.spend(now, toa)
            self._in_flight = self.cursor
            self.state = "send_wait"

    def _sent(self, now, done):
        modem = self.modem
        seq = self._in_flight
        if self.checking and modem.result == "ok" and modem.link_ok is None:
            # TX_DONE came; the LinkCheckAns (or its absence) follows within the RX windows.
            if self._check_deadline == 0:
                self._check_deadline = now + 10000
            if now < self._check_deadline:
                return
        self._check_deadline = 0
        self.state = "joined"
        if modem.result != "ok" or seq is None:
            if modem.result == "at_no_network_joined":
                self.state = "join"
            self.checking = False
            return
        self.sent += 1
        if seq < self._next_new:
            self.resent += 1
        else:
            self._next_new = seq + 1
        if self.cursor == seq:
            self.cursor = seq + 1  # unless a resend request moved it back meanwhile
        self.since_check += 1
        if self.checking:
            self.checking = False
            self.last_check = now
            self.since_check = 0
            if modem.link_ok is True:
                self.link_up = True
                self.checked = self.cursor
                self.queue.ack_to(self.cursor)
            else:
                if self.link_up is not False:
                    self.log.warn("lorawan", "the network did not hear frame %d: sending from %d again"
                                  % (seq, self.checked))
                self.link_up = False
                self.cursor = self.checked
