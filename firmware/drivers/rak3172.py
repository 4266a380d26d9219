# RAKwireless RAK3172 LoRaWAN modem with the RUI3 AT command set, on a UART at 115200 baud.
# Never blocks: `poll(now)` reads what the UART holds, one command is in flight at a time,
# and every command has a deadline, so no modem answer can hold the loop past its watchdog.
from micropython import const

# +EVT:RX_1:-100:-10:UNICAST:223: and the largest EU868 downlink, 222 bytes at DR5 (RP002
# 2.4.6: M = 230 less FHDR and FPort) as 444 hex digits: 476 characters.
_LINE_MAX = const(480)
_SEND_TIMEOUT_MS = const(8000)  # OK, then +EVT:TX_DONE after the airtime and RX1/RX2
_CMD_TIMEOUT_MS = const(2000)
_JOIN_TIMEOUT_MS = const(60000)
_DOWNLINKS = const(4)

# RUI3 status lines (AT command manual, "status codes").
STATUSES = ("OK", "AT_ERROR", "AT_PARAM_ERROR", "AT_BUSY_ERROR", "AT_TEST_PARAM_OVERFLOW",
            "AT_NO_CLASSB_ENABLE", "AT_NO_NETWORK_JOINED", "AT_RX_ERROR")


class Rak3172:
    """States: "idle" (ready for a command), "command" (waiting for its status line),
    "joining" (OK came, waiting for +EVT:JOINED), "sending" (OK came, waiting for +EVT:TX_DONE).
    `result` is the outcome of the last command: "ok", a status in lower case, "timeout"."""

    def __init__(self, uart, keys=()):
        self.uart = uart
        # OTAA keys provisioned on the bench's flash, [(name, hex)] in RUI3's names (DEVEUI,
        # APPEUI, APPKEY): each is asked first and set only when the modem holds another, so
        # the modem's own flash is written once, not at every boot.
        steps = []
        for name, value in keys:
            steps.append("AT+%s=?" % name)
            steps.append("AT+%s=%s" % (name, value))
        self.steps = tuple(steps) + self.SETUP
        self._buf = bytearray(64)
        self._line = bytearray(_LINE_MAX)  # preallocated: a line is _line[:_len]
        self._len = 0
        self._skipping = False  # inside a line longer than _LINE_MAX: dropped to its end
        self.long_lines = 0
        self.state = "idle"
        self.deadline = 0
        self.pending = None  # the command in flight, for the log
        self.result = None
        self.joined = False
        self.tx_done = 0  # frames the modem reports as sent
        self.downlinks = []  # (fport, bytes), oldest first, at most _DOWNLINKS
        self.downlinks_dropped = 0
        self.garbage = 0  # lines that are none of the manual's answers
        self.timeouts = 0
        self.value = None  # the value line of the last `AT+XXX=?`
        self.accepted = False  # the modem said OK to the last JOIN or SEND: it went on the air
        self.heard = False  # the modem said anything at all since the last command was sent
        self.link_checks = 0  # LinkCheck answers received
        self.link_ok = None  # the last one: True heard by the network, False not, None none yet
        self.gateways = 0  # gateways that heard the last checked uplink

    # -- commands ------------------------------------------------------------------------------

    def _command(self, now, text, timeout_ms):
        if self.state != "idle":
            return False
        self.uart.write(text.encode() + b"\r\n")
        self.pending = text
        self.state = "command"
        self.deadline = now + timeout_ms
        self.value = None
        self.accepted = False
        self.heard = False
        return True

    # OTAA; unconfirmed uplinks (fair use: no acknowledgements); ADR on, so the network sets
    # the data rate; class A. One command a step, so no answer can hold the loop.
    SETUP = ("AT+NJM=1", "AT+CFM=0", "AT+ADR=1", "AT+CLASS=A")

    def setup(self, now, step=0):
        return self._command(now, self.steps[step], _CMD_TIMEOUT_MS)

    def setup_next(self, step):
        """The step after `step`, which the modem took: a key it already holds is not set."""
        command = self.steps[step]
        if command.endswith("=?") and self.value is not None:
            wanted = self.steps[step + 1].split("=", 1)[1]
            if self.value.strip().upper() == wanted.upper():
                return step + 2
        return step + 1

    def shown(self, step):
        """A setup step as the log may print it: a key's value never is."""
        command = self.steps[step]
        if "KEY=" in command and not command.endswith("=?"):
            return command.split("=", 1)[0] + "=(hidden)"
        return command

    def query(self, now, name):
        return self._command(now, "AT+%s=?" % name, _CMD_TIMEOUT_MS)

    def join(self, now):
        """One join attempt (AT+JOIN=1:0:10:1): the bench spaces attempts out itself."""
        return self._command(now, "AT+JOIN=1:0:10:1", _JOIN_TIMEOUT_MS)

    def link_check(self, now):
        """Ask for a LinkCheckReq on the next uplink (AT+LINKCHECK=1): its answer, a downlink
        within the fair-use ten a day, tells whether the network heard that uplink."""
        if self.state != "idle":
            return False
        self.link_ok = None  # until this check's answer
        return self._command(now, "AT+LINKCHECK=1", _CMD_TIMEOUT_MS)

    def send(self, now, fport, payload):
        """An unconfirmed uplink; False if a command is still in flight."""
        hexa = "".join("%02X" % b for b in payload)
        return self._command(now, "AT+SEND=%d:%s" % (fport, hexa), _SEND_TIMEOUT_MS)

    # -- answers -------------------------------------------------------------------------------

    def poll(self, now):
        """Read what the modem said; returns True when the command in flight has finished."""
        finished = False
        while True:
            n = self.uart.readinto(self._buf)
            if not n:
                break
            self.heard = True
            for i in range(n):
                ch = self._buf[i]
                if ch == 10 or ch == 13:
                    if self._skipping:
                        self._skipping = False  # the end of the over-long line: the next one counts
                    elif self._len:
                        finished = self._answer(bytes(self._line[:self._len])) or finished
                    self._len = 0
                elif self._skipping:
                    pass
                elif self._len < _LINE_MAX:
                    self._line[self._len] = ch
                    self._len += 1
                else:
                    # Longer than any answer of the manual: dropped whole, to its end (its tail
                    # read as a line of its own could complete a command).
                    self.long_lines += 1
                    self.garbage += 1
                    self._skipping = True
                    self._len = 0
        if self.state != "idle" and now - self.deadline >= 0:
            self.timeouts += 1
            if self.state == "joining":
                self.joined = False
            self._finish("timeout")
            finished = True
        return finished

    def _finish(self, result):
        self.result = result
        self.state = "idle"
        self.pending = None

    def _answer(self, raw):
        try:
            line = raw.decode()
        except UnicodeError:
            self.garbage += 1
            return False
        if line in STATUSES:
            return self._status(line)
        if line.startswith("+EVT:"):
            return self._event(line[5:])
        if line.startswith("AT+") and "=" in line and self.state == "command":
            self.value = line.split("=", 1)[1]  # the value line of a query
            return False
        self.garbage += 1
        return False

    def _status(self, status):
        if self.state != "command":
            self.garbage += 1  # a status nobody asked for
            return False
        if status != "OK":
            if status == "AT_NO_NETWORK_JOINED":
                self.joined = False
            self._finish(status.lower())
            return True
        pending = self.pending or ""
        if pending.startswith("AT+JOIN"):
            self.state = "joining"
            self.accepted = True
            return False
        if pending.startswith("AT+SEND"):
            self.state = "sending"
            self.accepted = True
            return False
        self._finish("ok")
        return True

    def _event(self, event):
        if event == "JOINED":
            self.joined = True
            if self.state == "joining":
                self._finish("ok")
                return True
            return False
        if event.startswith("JOIN_FAILED"):
            self.joined = False
            if self.state == "joining":
                self._finish("join_failed")
                return True
            return False
        if event == "TX_DONE" or event.startswith("SEND_CONFIRMED_OK"):
            self.tx_done += 1
            if self.state == "sending":
                self._finish("ok")
                return True
            return False
        if event.startswith("RX_"):
            return self._downlink(event)
        if event.startswith("LINKCHECK:"):
            return self._link_check(event[10:])
        self.garbage += 1
        return False

    def _link_check(self, fields):
        # Y0 (0 = success), DemodMargin, NbGateways, RSSI, SNR; colons in current RUI3,
        # commas in older releases.
        parts = fields.replace(",", ":").split(":")
        try:
            if len(parts) != 5:
                raise ValueError
            result, gateways = int(parts[0]), int(parts[2])
        except ValueError:
            self.garbage += 1
            return False
        self.link_checks += 1
        self.link_ok = result == 0 and gateways > 0
        self.gateways = gateways if result == 0 else 0
        return False

    def _downlink(self, event):
        # +EVT:RX_1:<rssi>:<snr>:UNICAST:<fport>:<hex>
        parts = event.split(":")
        if len(parts) < 6 or parts[3] != "UNICAST":
            self.garbage += 1
            return False
        try:
            fport = int(parts[4])
            hexa = parts[5]
            if len(hexa) % 2 or not 1 <= fport <= 223:
                raise ValueError
            data = bytes(int(hexa[i:i + 2], 16) for i in range(0, len(hexa), 2))
        except ValueError:
            self.garbage += 1
            return False
        if len(self.downlinks) >= _DOWNLINKS:
            self.downlinks.pop(0)
            self.downlinks_dropped += 1
        self.downlinks.append((fport, data))
        return False
