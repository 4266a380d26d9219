# The LoRaWAN link: joins with back-off inside TS001's limits, sends queued frames oldest first
# within the airtime budget and the duty cycle, and checks now and then that the network hears
# it. Frames leave the flash queue only when a link check after them succeeded; a failed check
# sends everything since the last good one again.
from micropython import const

from bench.airtime import AirtimeBudget, airtime_us, phy_airtime_us
from bench.jitter import Jitter
from bench.retry import Retry

_JOIN_PHY_BYTES = const(23)  # a JoinRequest: MHDR, JoinEUI, DevEUI, DevNonce, MIC
_CHECK_EVERY = const(16)  # frames between link checks: 6 a day at 15-minute reports, so that
_CHECK_MAX_MS = const(14400000)  # with a JoinAccept and a few commands they fit the ten a day
_CHECK_DOWN_MS = const(1800000)  # while the link is down, probe it every 30 min
_JITTER_MS = const(30000)  # a new frame waits a random 0..30 s before its first transmission
_FPORT_RESEND = const(14)  # downlink: send again from status report N (docs/payload-v1.md)
_BUSY_POLL_MS = const(500)  # while the modem works on a command, look at its answers this often
_NEXT_STEP_MS = const(20)  # the next command is ready: a moment for the rest of the loop
_IDLE_MS = const(3600000)  # nothing to do: the link needs no tick of its own
_CHECK_FOPTS = const(1)  # LinkCheckReq rides in FOpts: one byte, CID 0x02 (TS001 5.3)
_DOWNLINKS = const(4)
_FAILURES = const(3)  # commands in a row the modem fails before it is set up again


class LoRaLink:
    def __init__(self, modem, queue, log, budget=None, seed=1):
        self.modem = modem
        self.queue = queue
        self.log = log
        self.budget = budget if budget is not None else AirtimeBudget()
        self.on_spend = None  # on_spend(now): right after airtime is booked, before it is spent
        self.state = "setup"  # setup -> join -> joined, with "rate" after every uplink
        self.setup_step = 0
        self.retry = Retry()  # when setting up or joining may be tried again
        self.joins = 0
        self.sf = 7  # the modem's data rate as a spreading factor: asked after every uplink
        self.cursor = queue.tail  # the next record to send
        self.checked = queue.tail  # records before this one were heard by the network
        self.since_check = 0
        self.last_check = 0
        self.checking = False  # the frame in flight carries a link check
        self.link_up = None  # the last check's verdict
        self.sent = 0
        self.resent = 0
        self.in_flight = None  # queue seq of the frame the modem is sending
        self._check_deadline = 0
        self._next_new = queue.tail  # the lowest record never sent yet
        self.jitter = Jitter(seed)
        self._resending = False  # sending records already delivered, at the server's request
        self._hold_until = 0  # a new frame's random delay
        self._held = -1  # the record that delay belongs to
        self.inbox = []  # (fport, bytes): downlinks for the bench, oldest first
        self.downlinks = 0  # downlinks received, link check answers included
        self.failures = 0  # modem commands failed in a row
        self.restarts = 0  # times the modem was set up again after failing
        self._booked = (0, 0)  # (airtime us, when) of the frame in flight, to refund if it never left
        self._join_held = False  # a join waits for the day's downlinks: said once
        self._check_booked = -1  # when the pending link check's answer was booked
        # The link's states, each a method; "joined" (any other) is _ready. Built once: a
        # bound method per state, no allocation per tick.
        self._steps = {"setup": self._setup, "setup_wait": self._setup_wait, "join": self._join,
                       "joining": self._joining, "rate": self._ask_rate, "rate_wait": self._rate_wait,
                       "send_wait": self._sent}

    def _saved(self, now):
        if self.on_spend is not None:
            self.on_spend(now)

    def _book(self, now, toa, answer=False):
        # Booked, and on flash through on_spend, before the modem is asked: a reset between
        # the two leaves the budget too full, never too empty. A request that the network
        # answers with a downlink (a JoinRequest) books that downlink too, for the same reason.
        self.budget.spend(now, toa)
        if answer:
            self.budget.downlink(now)
        self._booked = (toa, now)
        self._saved(now)

    def _downlink_heard(self, now):
        # One the bench did not ask for (the server's own): it counts against the ten a day
        # after a reset, too.
        self.budget.downlink(now)
        self.downlinks += 1
        self._saved(now)

    def _refused(self):
        """Nothing went on the air: the modem answered the command with a status that says it
        did not act on it, or said nothing at all (a silent modem). A timeout after garbage is
        neither: a modem that talks garbage may well have sent the frame."""
        modem = self.modem
        return not modem.accepted and (modem.result != "timeout" or not modem.heard)

    def _refund(self, now):
        # Nothing went on the air: its airtime is given back.
        if self._refused() and self.budget.refund(now, self._booked[0], self._booked[1]):
            self._saved(now)

    def _trouble(self, now, what):
        """A command failed; after a few in a row the modem is set up (and joined) again,
        with the join's back-off, so a dead modem costs one console line per attempt."""
        self.failures += 1
        if self.failures < _FAILURES:
            return False
        self.restarts += 1
        self.log.warn("lorawan", "the modem failed %d commands in a row (last: %s, %s); setting it up again in %d s"
                      % (self.failures, what, self.modem.result, self.retry.wait_ms // 1000))
        self.failures = 0
        self.setup_step = 0
        self.modem.joined = False
        self._back_off(now, "setup")
        return True

    def tick(self, now):
        """One step of the link; returns the ms until it wants the next one."""
        modem = self.modem
        modem.poll(now)
        if modem.downlinks:
            self._downlinks(now)
        if modem.state != "idle":
            return _BUSY_POLL_MS
        step = self._steps.get(self.state)
        return step(now) if step is not None else self._ready(now)

    # -- the states: each returns the ms until the link wants its next tick --------------------

    def _setup(self, now):
        if self.retry.due(now):
            return self.retry.due(now)
        self.modem.setup(now, self.setup_step)
        self.state = "setup_wait"
        return _BUSY_POLL_MS

    def _setup_wait(self, now):
        modem = self.modem
        if modem.result == "ok":
            self.setup_step = modem.setup_next(self.setup_step)
            if self.setup_step >= len(modem.steps):
                self.state = "rate"  # the join request's airtime depends on it too
                self.retry.succeeded()
            else:
                self.state = "setup"
            return _NEXT_STEP_MS
        self.log.warn("lorawan", "the modem does not take %s (%s); next try in %d s" % (
            modem.shown(self.setup_step), modem.result, self.retry.wait_ms // 1000))
        self._back_off(now, "setup")
        return _NEXT_STEP_MS

    def _joining(self, now):
        self._joined(now, self.modem.result)
        return _NEXT_STEP_MS

    def _ask_rate(self, now):
        self.modem.query(now, "DR")
        self.state = "rate_wait"
        return _BUSY_POLL_MS

    def _rate_wait(self, now):
        self.state = "joined" if self.modem.joined else "join"
        if not self._rate():
            self._trouble(now, "AT+DR=?")
        return _NEXT_STEP_MS

    def _ready(self, now):
        # "joined": send what the queue holds, unless the modem lost the network.
        if not self.modem.joined:
            self.log.warn("lorawan", "the modem lost the network; joining again")
            self.state = "join"
            return _NEXT_STEP_MS
        return self._send(now)

    def _back_off(self, now, state):
        self.retry.failed(now, state == "join")
        self.state = state

    def _rate(self):
        # AT+DR=? answers the data rate ADR set: EU868 DR0..DR5 are SF12..SF7 (RP002 2.4.3).
        # Anything else (DR6 is SF7 at 250 kHz) is budgeted as SF7, the longer of the two.
        value = self.modem.value if self.modem.result == "ok" else None
        try:
            dr = int(value) if value is not None else -1
        except ValueError:
            dr = -1
        if dr < 0:
            return False  # the last known one stays
        self.failures = 0
        sf = 12 - dr if dr <= 5 else 7
        if sf != self.sf:
            self.log.info("lorawan", "the network moved the bench to SF%d" % sf)
            self.sf = sf
        return True

    def _downlinks(self, now):
        """Every downlink counts against the ten a day. FPort 14 is the server asking for
        reports again (one byte: the first missing status report); the rest are the bench's."""
        for fport, data in self.modem.downlinks:
            self._downlink_heard(now)
            if fport != _FPORT_RESEND or len(data) != 1:
                if len(self.inbox) >= _DOWNLINKS:
                    self.log.warn("lorawan", "downlink on FPort %d dropped: %d wait already" % (
                        self.inbox.pop(0)[0], _DOWNLINKS))
                self.inbox.append((fport, data))
                continue
            seq = self.queue.find_status(data[0])
            if seq is None:
                self.log.warn("lorawan", "asked to resend report %d, which is no longer kept" % data[0])
                continue
            self.log.info("lorawan", "the server missed report %d: sending from it again" % data[0])
            if seq < self.cursor:
                self.cursor = seq
                self._resending = seq < self.queue.tail
        self.modem.downlinks[:] = []

    # -- joining -------------------------------------------------------------------------------

    def _join(self, now):
        wait = self.retry.due(now)
        if wait:
            return wait
        toa = phy_airtime_us(_JOIN_PHY_BYTES, self.sf)
        down_wait = self.budget.downlink_wait_ms(now)
        if down_wait:
            # The JoinAccept would be the eleventh downlink of these 24 h (TTN fair use): the
            # reports wait on flash until the oldest of the ten is a day old.
            if not self._join_held:
                self._join_held = True
                self.log.warn("lorawan", "joining waits %d s: ten downlinks in 24 h already (fair use)"
                              % (down_wait // 1000))
            self.retry.later(now, down_wait if down_wait < _IDLE_MS else _IDLE_MS)
            return down_wait if down_wait < _IDLE_MS else _IDLE_MS
        self._join_held = False
        if not self.retry.join_allows(now, toa) or not self.budget.allows(now, toa):
            self.retry.later(now, 60000)
            return 60000
        self._book(now, toa, True)
        self.retry.joined_for(toa)
        self.joins += 1
        self.modem.join(now)
        self.state = "joining"
        return _BUSY_POLL_MS

    def _joined(self, now, result):
        if result == "ok" and self.modem.joined:
            self.downlinks += 1  # the JoinAccept, booked with its request
            self.log.info("lorawan", "joined after %d attempt(s)" % self.joins)
            self.state = "rate"
            self.retry.succeeded()
            self.cursor = self.checked  # what was not confirmed goes again
            return
        self._refund(now)
        # Given back only when the modem says no JoinAccept came (or never sent the request):
        # after a timeout or a garbled answer the network may well have sent one.
        if (result == "join_failed" or self._refused()) and self.budget.downlink_refund(self._booked[1]):
            self._saved(now)
        self.log.warn("lorawan", "join failed (%s); next try in %d s" % (result, self.retry.wait_ms // 1000))
        self._back_off(now, "join")

    # -- sending -------------------------------------------------------------------------------

    def _send(self, now):
        q = self.queue
        if self.cursor >= q.tail:
            self._resending = False
        elif not self._resending or self.cursor < q.oldest_kept():
            self.cursor = q.tail
        if self.checked < q.tail:
            self.checked = q.tail
        if self.link_up is False and now - self.last_check < _CHECK_DOWN_MS:
            # The network did not hear the last check: wait, then probe again.
            return self.last_check + _CHECK_DOWN_MS - now if self.cursor < q.head else _IDLE_MS
        record = q.record(self.cursor)
        if record is None:
            if self.cursor < q.head:
                self.cursor += 1  # unreadable (counted by the queue): skip it
                return _NEXT_STEP_MS
            return _IDLE_MS
        fport, payload = record
        if self.cursor >= self._next_new:
            # A frame never sent: spread it by a random delay, once.
            if self._held != self.cursor:
                self._held = self.cursor
                self._hold_until = now + self.jitter.below(_JITTER_MS)
            if now < self._hold_until:
                return self._hold_until - now
        check = (self.since_check + 1 >= _CHECK_EVERY or now - self.last_check >= _CHECK_MAX_MS
                 or self.link_up is not True) and self.budget.downlink_allowed(now)
        toa = airtime_us(len(payload) + (_CHECK_FOPTS if check or self.checking else 0), self.sf)
        if not self.budget.allows(now, toa):
            wait = self.budget.wait_ms(now, toa)
            return wait if wait > 1000 else 1000
        if check and not self.checking:
            # Its answer is booked now, before the request leaves, and given back only when
            # none came (the network did not hear the uplink, so it sent none).
            self.budget.downlink(now)
            self._saved(now)
            self._check_booked = now
            self.modem.link_check(now)
            self.checking = True
            return _BUSY_POLL_MS  # the check request takes this step; the frame goes at the next
        self._book(now, toa)
        self.in_flight = self.cursor
        self.modem.send(now, fport, payload)
        self.state = "send_wait"
        return _BUSY_POLL_MS

    def _sent(self, now):
        modem = self.modem
        seq = self.in_flight
        if self.checking and modem.result == "ok" and modem.link_ok is None:
            # TX_DONE came; the LinkCheckAns (or its absence) follows within the RX windows.
            if self._check_deadline == 0:
                self._check_deadline = now + 10000
            if now < self._check_deadline:
                return _BUSY_POLL_MS
        self._check_deadline = 0
        self.in_flight = None
        self.state = "rate"
        if modem.result != "ok" or seq is None:
            self._refund(now)
            # A check the modem took (AT+LINKCHECK=1) stays armed until an uplink goes: it
            # stays booked and pending, and rides on the next frame (if this one left with it
            # after all, the next finds no answer, and the booking stays: the safe side).
            if modem.result == "at_no_network_joined":
                self.state = "join"
            elif modem.result != "at_busy_error":  # busy: the modem's own duty cycle, try later
                self._trouble(now, "AT+SEND")
            return _NEXT_STEP_MS
        self.failures = 0
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
                self.downlinks += 1  # the LinkCheckAns, booked with its request
                self.link_up = True
                self.checked = self.cursor
                self.queue.ack_to(self.cursor)
            else:
                # The modem said the check failed: nothing came back. No answer at all (None)
                # may be one the bench missed, and stays counted.
                if modem.link_ok is False and self.budget.downlink_refund(self._check_booked):
                    self._saved(now)
                if self.link_up is not False:
                    self.log.warn("lorawan", "the network did not hear frame %d: sending from %d again"
                                  % (seq, self.checked))
                self.link_up = False
                self.cursor = self.checked
        return _NEXT_STEP_MS
