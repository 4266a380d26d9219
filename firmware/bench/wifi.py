# The Wi-Fi link: a station that reconnects with back-off, an MQTT session over it, and the
# report queue published at QoS 1 — a frame leaves the flash queue only on the broker's PUBACK.
# Topics: benches/<id>/status (the decoders' JSON), benches/<id>/event (other frames, as
# {"fport", "hex"}), benches/<id>/online (retained; the last will says "offline"), and
# commands on benches/<id>/cmd.
from micropython import const

from bench.status_json import status_json
from drivers.mqtt import MqttClient, MqttError

_WIFI_TIMEOUT_MS = const(20000)
_BACKOFF_FIRST_MS = const(10000)
_BACKOFF_MAX_MS = const(600000)
_KEEPALIVE_S = const(120)
_SESSION_TIMEOUT_MS = const(10000)  # CONNACK or PUBACK later than this: the session is dead
_COMMANDS = const(4)
_BUSY_MS = const(200)  # connecting, or a frame waits for its PUBACK: look again soon
_IDLE_MS = const(30000)  # connected with nothing to send: the keepalive needs a ping a minute
_LINGER_MS = const(20000)  # lean: the station stays this long after the queue emptied (commands)


class WifiLink:
    def __init__(self, wlan, open_socket, queue, bench_id, log, ssid, key, host, port=1883, user=None,
                 password=None):
        self.wlan = wlan
        self.open_socket = open_socket  # (host, port) -> a connected non-blocking socket
        self.queue = queue
        self.log = log
        self.ssid = ssid
        self.key = key
        self.host = host
        self.port = port
        self.user = user  # the bench's own broker credentials (provisioned, never printed)
        self.password = password
        self.prefix = "benches/%s/" % bench_id
        self.client_id = bench_id
        self.mqtt = None
        self.next_try = 0
        self.backoff_ms = _BACKOFF_FIRST_MS
        self.joining_until = 0
        self.session_since = 0
        self.in_flight = None  # (packet id, queue seq, since ms)
        self.sending = None  # queue seq of the record being handed to the socket
        self.last_ping = 0
        self.commands = []  # (topic, payload) from benches/<id>/cmd, oldest first
        self.published = 0
        self.wifi_attempts = 0
        self.sessions = 0
        self.troubles = 0  # failures of the station or the broker, for the report's radio bit
        # The energy budget's say (bench/budget.py): `hold` keeps the station off (quiet after a
        # brownout); `lean` connects only while frames wait, and leaves soon after.
        self.hold = False
        self.lean = False
        self.idle_since = 0

    def _fail(self, now, why):
        self.troubles += 1
        self.log.warn("wifi", "%s; next try in %d s" % (why, self.backoff_ms // 1000))
        self.next_try = now + self.backoff_ms
        self.backoff_ms = min(self.backoff_ms * 2, _BACKOFF_MAX_MS)
        self._drop()

    def _drop(self):
        if self.mqtt is not None:
            try:
                self.mqtt.sock.close()
            except OSError:
                pass
        self.mqtt = None
        self.in_flight = None

    def _leave(self):
        self._drop()
        self.joining_until = 0
        self.wlan.disconnect()
        self.log.debug("wifi", "station off until %s" % ("the battery has a margin back" if self.hold
                                                         else "the next report (energy budget: lean)"))

    def tick(self, now):
        """One step; returns the ms until the link wants the next one."""
        waiting = len(self.queue) or self.in_flight is not None
        if waiting:
            self.idle_since = now
        if self.hold or (self.lean and not waiting):
            if not (self.wlan.isconnected() or self.joining_until):
                return _IDLE_MS  # off, and nothing calls it on
            if self.hold or now - self.idle_since >= _LINGER_MS:
                self._leave()
                return _IDLE_MS
        if not self.wlan.isconnected():
            self._drop()
            if self.joining_until and now < self.joining_until:
                return _BUSY_MS
            if self.joining_until:
                self.joining_until = 0
                self._fail(now, "Wi-Fi %s did not connect (status %s)" % (self.ssid, self.wlan.status()))
                return self.next_try - now
            if now >= self.next_try:
                self.wifi_attempts += 1
                self.wlan.connect(self.ssid, self.key)
                self.joining_until = now + _WIFI_TIMEOUT_MS
                return _BUSY_MS
            return self.next_try - now
        self.joining_until = 0
        if self.mqtt is None:
            if now < self.next_try:
                return self.next_try - now
            self._open(now)
            return _BUSY_MS
        try:
            self._session(now)
        except (OSError, MqttError) as e:  # the connection broke under a send or a read
            self._fail(now, "broker connection lost (%s)" % e)
            return self.next_try - now
        if self.mqtt is None or not self.mqtt.connected or self.in_flight is not None or len(self.queue):
            return _BUSY_MS
        return _IDLE_MS

    def _session(self, now):
        m = self.mqtt
        if m is None:
            return
        m.poll(now)
        if m.closed:
            self._fail(now, "the broker closed the connection")
            return
        if not m.connected:
            if m.refused is not None:
                self._fail(now, "the broker refused the session (code %d)" % m.refused)
            elif now - self.session_since > _SESSION_TIMEOUT_MS:
                self._fail(now, "no CONNACK from %s" % self.host)
            return
        if self.session_since >= 0:
            self._started(now, m)
        self._take_commands(m)
        self._publish(now, m)
        if now - self.last_ping >= _KEEPALIVE_S * 500:
            m.ping()
            self.last_ping = now

    def _open(self, now):
        try:
            sock = self.open_socket(self.host, self.port)
            self.mqtt = MqttClient(sock)
            self.sessions += 1
            self.mqtt.connect(self.client_id, _KEEPALIVE_S, self.prefix + "online", b"offline", True, self.user,
                              self.password)
        except OSError as e:
            self._fail(now, "cannot reach the broker %s:%d (%s)" % (self.host, self.port, e))
            return
        self.session_since = now

    def _started(self, now, m):
        # The session is up: say so (retained), listen for commands, start the ping clock.
        self.session_since = -1
        self.backoff_ms = _BACKOFF_FIRST_MS
        m.publish(self.prefix + "online", b"online", 1, True)
        m.subscribe(self.prefix + "cmd", 1)
        self.last_ping = now
        self.log.info("wifi", "connected to %s, broker %s" % (self.ssid, self.host))

    def _take_commands(self, m):
        inbox = m.inbox
        while inbox:
            topic, payload = inbox.pop(0)
            if len(self.commands) >= _COMMANDS:
                self.commands.pop(0)
            self.commands.append((topic, payload))

    def _publish(self, now, m):
        if self.in_flight is not None:
            pid, seq, since = self.in_flight
            if pid not in m.unacked:
                self.queue.ack()  # the broker has it (3.4: PUBACK of a QoS 1 PUBLISH)
                self.published += 1
                self.in_flight = None
            elif now - since > _SESSION_TIMEOUT_MS:
                self._fail(now, "no PUBACK for report %d" % seq)
            return
        record = self.queue.peek()
        if record is None:
            return
        seq, fport, payload = record
        if fport == 1 and len(payload) == 12:
            topic, body = self.prefix + "status", status_json(payload).encode()
        else:
            hexa = "".join(["%02x" % b for b in payload])
            topic, body = self.prefix + "event", ('{"fport":%d,"hex":"%s"}' % (fport, hexa)).encode()
        self.sending = seq  # for whoever watches the broker: which record this is
        pid = m.publish(topic, body, 1, False)
        self.sending = None
        self.in_flight = (pid, seq, now)
