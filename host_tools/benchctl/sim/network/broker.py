# A Wi-Fi bench's far end in a replay: the station (network.WLAN as the firmware sees it) and
# an MQTT 3.1.1 broker answering at packet level over a fake non-blocking socket: CONNACK,
# PUBACK for QoS 1, SUBACK, PINGRESP, and the trace's downlinks published on benches/<id>/cmd.
# Its `air` (sim/on_the_air.py) keeps the time, the link's state and the bench id; every PUBLISH
# the bench makes goes to `on_publish`.
from benchctl.sim.chips.i2c import Fault

_EAGAIN = 11
_CONNECT_MS = 3000  # association and DHCP
_STAT_IDLE, _STAT_CONNECTING, _STAT_NO_AP_FOUND, _STAT_GOT_IP = 1000, 1001, 201, 1010  # ESP32 network.WLAN


def _packet(first, body):
    out = bytearray((first,))
    n = len(body)
    while True:
        out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out) + body


class FakeWlan:
    def __init__(self, air):
        self.air = air
        self.since = None

    def active(self, on=None):
        return True

    def connect(self, ssid, key):
        self.since = self.air.now

    def isconnected(self):
        return self.air.link_up and self.since is not None and self.air.now - self.since >= _CONNECT_MS

    def status(self):
        if self.isconnected():
            return _STAT_GOT_IP
        if self.since is None:
            return _STAT_IDLE
        return _STAT_CONNECTING if self.air.link_up else _STAT_NO_AP_FOUND

    def disconnect(self):
        self.since = None


class FakeSocket:
    def __init__(self, broker):
        self.broker = broker
        self.out = bytearray()  # what the broker sent, not read yet
        self.closed = False

    def send(self, data):
        if self.closed or not self.broker.reachable():
            raise OSError(104)  # ECONNRESET
        self.broker.received(self, bytes(data))
        return len(data)

    def recv(self, n):
        if self.closed:
            return b""
        if not self.out:
            raise OSError(_EAGAIN)
        chunk = bytes(self.out[:n])
        self.out = self.out[n:]
        return chunk

    def close(self):
        self.closed = True
        if self.broker.session is self:
            self.broker.session = None


class FakeBroker:
    def __init__(self, air, rng):
        self.air = air
        self.rng = rng
        self.fault = Fault.NONE
        self.session = None  # the bench's socket while it has one
        self.subscribed = False
        self.pending = []  # command payloads waiting for a subscriber
        self.on_publish = None  # (topic, payload, delivered)
        self._rx = bytearray()
        self._last = b""
        self._pid = 0

    def reachable(self):
        return self.air.link_up

    def open_socket(self, host, port):
        if not self.reachable():
            raise OSError(113)  # EHOSTUNREACH
        if self.session is not None:
            self.session.closed = True  # a new session takes the client id over
        self.session = FakeSocket(self)
        self.subscribed = False
        self._rx = bytearray()
        return self.session

    def link_down(self):
        if self.session is not None:
            self.session.closed = True
            self.session = None

    def command(self, payload):
        if len(self.pending) < 16:  # a broker's queue for an offline client has a limit too
            self.pending.append(payload)
        self._deliver()

    def _say(self, sock, packet):
        if self.fault == Fault.NACK:
            return
        if self.fault == Fault.STUCK and self._last:
            packet = self._last
        elif self.fault == Fault.GARBAGE:
            junk = bytearray(len(packet))
            self.rng.fill(junk)
            packet = bytes(junk)
        self._last = packet
        sock.out.extend(packet)

    def received(self, sock, data):
        rx = self._rx
        rx.extend(data)
        while len(rx) >= 2:
            length, shift, i = 0, 0, 1  # the remaining length, 7 bits a byte (MQTT 3.1.1 2.2.3)
            while True:
                if i >= len(rx):
                    return
                byte = rx[i]
                length |= (byte & 0x7F) << shift
                i += 1
                if not byte & 0x80:
                    break
                shift += 7
            if len(rx) < i + length:
                return
            first, body = rx[0], bytes(rx[i:i + length])
            rx = self._rx = rx[i + length:]
            self._packet(sock, first, body)

    def _packet(self, sock, first, body):
        kind = first & 0xF0
        if kind == 0x10:  # CONNECT
            self._say(sock, b"\x20\x02\x00\x00")
        elif kind == 0x30:  # PUBLISH
            qos = (first >> 1) & 3
            n = body[0] << 8 | body[1]
            topic = body[2:2 + n].decode()
            start = 2 + n + (2 if qos else 0)
            heard = self.fault != Fault.NACK
            if self.on_publish is not None:
                self.on_publish(topic, body[start:], heard)
            if qos:
                self._say(sock, bytes((0x40, 2, body[2 + n], body[3 + n])))
        elif kind == 0x80:  # SUBSCRIBE
            self._say(sock, bytes((0x90, 3, body[0], body[1], 1)))
            self.subscribed = True
            self._deliver()
        elif kind == 0xC0:  # PINGREQ
            self._say(sock, b"\xd0\x00")
        elif kind == 0xE0:  # DISCONNECT
            sock.close()

    def _deliver(self):
        sock = self.session
        if sock is None or not self.subscribed or sock.closed:
            return
        topic = ("benches/%s/cmd" % self.air.bench_id).encode()
        while self.pending:
            payload = self.pending.pop(0)
            self._pid = self._pid % 65535 + 1
            body = bytes((len(topic) >> 8, len(topic) & 0xFF)) + topic + bytes((self._pid >> 8, self._pid & 0xFF)) + payload
            self._say(sock, _packet(0x32, body))  # QoS 1
