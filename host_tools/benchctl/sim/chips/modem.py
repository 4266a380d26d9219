# A fake RAK3172 answering RUI3 AT commands as its manual says, on a fake UART: OK or a status
# code at once, then +EVT:JOINED / +EVT:JOIN_FAILED_RX_TIMEOUT, +EVT:TX_DONE after the time on
# air and the receive windows, and a queued downlink as +EVT:RX_1. The world sets `link_up`
# and `sf`; every frame the modem puts on the air is kept in `uplinks`.
from bench.airtime import airtime_us, phy_airtime_us
from benchctl.sim.chips.i2c import Fault

_JOIN_MS = 6000  # join request, then JoinAccept in RX1 (5 s) or RX2 (6 s)
_RX_WINDOWS_MS = 2000  # RX1 at 1 s, RX2 at 2 s after the uplink
_JOIN_REQUEST_BYTES = 23  # MHDR, JoinEUI, DevEUI, DevNonce, MIC (TS001 6.2.2)


class FakeRak3172:
    def __init__(self, rng):
        self.rng = rng
        self.now_ms = 0
        self.link_up = True
        self.sf = 7  # the data rate the modem sends at
        self.network_sf = 7  # what the network's ADR wants: the modem takes it with a downlink
        self.settings = {"NJM": "0", "CFM": "0", "ADR": "0", "CLASS": "A"}
        # OTAA keys in the modem's own flash (RUI3 keeps them): the factory DevEUI, no others.
        self.keys = {"DEVEUI": "AC1F09FFFE000001", "APPEUI": "0000000000000000", "APPKEY": "0" * 32}
        self.key_writes = 0  # times a key was written to the modem's flash
        self.fault = Fault.NONE
        self.joined = False
        self.busy_until = 0
        self.uplinks = []  # (t ms, fport, payload bytes, airtime us, delivered), unless on_air
        self.on_air = None  # called with the same five for each uplink instead of keeping them
        self.joins = []  # (t ms, airtime us) of each JoinRequest, unless on_air (fport None)
        self.downlinks = []  # (fport, hex) waiting at the network for the next uplink
        self.commands = []  # the latest command lines received (at most 16), for the tests
        self._in = bytearray()
        self._out = []  # (due ms, bytes) the modem will send
        self._last = "AT_BUSY_ERROR"
        self.check_next = False  # AT+LINKCHECK=1: a LinkCheckReq rides on the next uplink
        self.network_downlinks = 0  # downlinks the network sent, LinkCheckAns included
        # The network's side of fair use: when it sent each downlink of the last 24 h, and the
        # most it ever sent in 24 h, all of them and those the bench asked for (JoinAccept,
        # LinkCheckAns). Kept across the MCU's resets: the network does not forget.
        self._sent_24h = []
        self._answers_24h = []
        self.max_downlinks_24h = 0
        self.max_answers_24h = 0

    def power_on(self):
        """The modem is powered with the MCU: its RAM (and the join) is lost on a reset; its
        settings are kept in its own flash (RUI3 saves them)."""
        self.joined = False
        self.busy_until = 0
        self._in = bytearray()
        self._out = []
        self.check_next = False  # an armed link check is RAM too

    # -- UART, as the firmware sees it ---------------------------------------------------------

    def write(self, data):
        for ch in data:
            if ch == 10 or ch == 13:
                if self._in:
                    try:
                        line = bytes(self._in).decode()
                    except UnicodeError:
                        line = "?"  # not a command: the modem answers AT_ERROR
                    self._command(line)
                    self._in = bytearray()
            else:
                self._in.append(ch)
        return len(data)

    def readinto(self, buf):
        if self.fault == Fault.NACK:
            return None
        ready = b""
        while self._out and self._out[0][0] <= self.now_ms:
            ready += self._out.pop(0)[1]
        if self.fault == Fault.GARBAGE and ready:
            junk = bytearray(len(ready))
            self.rng.fill(junk)
            ready = bytes(junk)
        if not ready:
            return None
        n = min(len(buf), len(ready))
        buf[0:n] = ready[:n]
        if n < len(ready):
            self._out.insert(0, (self.now_ms, ready[n:]))
        return n

    # -- the modem -----------------------------------------------------------------------------

    def _network_sent(self, answer):
        now = self.now_ms
        for times in (self._sent_24h, self._answers_24h) if answer else (self._sent_24h,):
            times.append(now)
            while now - times[0] >= 86_400_000:
                times.pop(0)
        self.max_downlinks_24h = max(self.max_downlinks_24h, len(self._sent_24h))
        self.max_answers_24h = max(self.max_answers_24h, len(self._answers_24h))

    def _say(self, text, delay_ms=0):
        self._last = text
        due = self.now_ms + delay_ms
        i = len(self._out)
        while i > 0 and self._out[i - 1][0] > due:
            i -= 1
        self._out.insert(i, (due, text.encode() + b"\r\n"))

    def _command(self, line):
        if len(self.commands) >= 16:
            self.commands.pop(0)
        self.commands.append(line)
        if self.fault == Fault.NACK:
            return
        if self.fault == Fault.STUCK:
            self._say(self._last)  # a modem in a bad state says the same thing to everything
            return
        if line == "AT":
            self._say("OK")
        elif line[3:].split("=")[0] in self.settings and "=" in line:
            name, value = line[3:].split("=", 1)
            if value == "?":
                self._say("AT+%s=%s" % (name, self.settings[name]))
            elif value in ("0", "1", "A", "B", "C") and (value in "ABC") == (name == "CLASS"):
                self.settings[name] = value
            else:
                self._say("AT_PARAM_ERROR")
                return
            self._say("OK")
        elif line[3:].split("=")[0] in self.keys and "=" in line:
            name, value = line[3:].split("=", 1)
            if value == "?":
                self._say("AT+%s=%s" % (name, self.keys[name]))
            elif len(value) == len(self.keys[name]) and all(c in "0123456789ABCDEFabcdef" for c in value):
                self.keys[name] = value.upper()
                self.key_writes += 1
            else:
                self._say("AT_PARAM_ERROR")
                return
            self._say("OK")
        elif line == "AT+DR=?":
            self._say("AT+DR=%d" % (12 - self.sf))  # EU868: DR0 is SF12 ... DR5 is SF7
            self._say("OK")
        elif line == "AT+NJS=?":
            self._say("AT+NJS=%d" % (1 if self.joined else 0))
            self._say("OK")
        elif line == "AT+LINKCHECK=1":
            self.check_next = True
            self._say("OK")
        elif line.startswith("AT+JOIN="):
            self._join()
        elif line.startswith("AT+SEND="):
            self._send(line[8:])
        else:
            self._say("AT_ERROR")

    def _join(self):
        if self.now_ms < self.busy_until:
            self._say("AT_BUSY_ERROR")
            return
        self._say("OK")
        self.busy_until = self.now_ms + _JOIN_MS
        toa_us = phy_airtime_us(_JOIN_REQUEST_BYTES, self.sf)
        if self.on_air is not None:
            self.on_air(self.now_ms, None, b"", toa_us, self.link_up)  # fport None: a JoinRequest
        else:
            self.joins.append((self.now_ms, toa_us))
        if self.link_up:
            self.joined = True
            self._network_sent(True)  # the JoinAccept
            self._say("+EVT:JOINED", _JOIN_MS)
        else:
            self._say("+EVT:JOIN_FAILED_RX_TIMEOUT", _JOIN_MS)

    def _send(self, args):
        port, _, hexa = args.partition(":")
        try:
            fport = int(port)
            payload = bytes.fromhex(hexa)
        except ValueError:
            self._say("AT_PARAM_ERROR")
            return
        if not 1 <= fport <= 223 or len(payload) > 242:
            self._say("AT_PARAM_ERROR")
            return
        if not self.joined:
            self._say("AT_NO_NETWORK_JOINED")
            return
        if self.now_ms < self.busy_until:
            self._say("AT_BUSY_ERROR")
            return
        # A LinkCheckReq rides in FOpts: one more byte on the air (TS001 5.3).
        toa_us = airtime_us(len(payload) + (1 if self.check_next else 0), self.sf)
        done = toa_us // 1000 + _RX_WINDOWS_MS
        self.busy_until = self.now_ms + done
        self._say("OK")
        if self.link_up and self.downlinks:
            fport_dn, hex_dn = self.downlinks.pop(0)
            self.network_downlinks += 1
            self._network_sent(False)
            self._say("+EVT:RX_1:-87:6:UNICAST:%d:%s" % (fport_dn, hex_dn.upper()), toa_us // 1000 + 1000)
        if self.link_up and self.settings["ADR"] == "1":
            self.sf = self.network_sf  # a LinkADRReq in this uplink's receive window
        # The network hears it after this uplink's receive windows were decided: what the
        # application asks in return goes with the next uplink.
        if self.on_air is not None:
            self.on_air(self.now_ms, fport, payload, toa_us, self.link_up)
        else:
            self.uplinks.append((self.now_ms, fport, payload, toa_us, self.link_up))
        self._say("+EVT:TX_DONE", done)
        if self.check_next:
            self.check_next = False
            if self.link_up:
                self.network_downlinks += 1
                self._network_sent(True)
                self._say("+EVT:LINKCHECK:0:21:1:-87:6", done)
            else:
                self._say("+EVT:LINKCHECK:1:0:0:0:0", done)
