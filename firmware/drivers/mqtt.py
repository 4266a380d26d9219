# An MQTT 3.1.1 client (OASIS mqtt-v3.1.1, section 3) over a socket the board's wiring opened:
# CONNECT with a last will, PUBLISH at QoS 0/1 with PUBACK tracking, SUBSCRIBE, PINGREQ.
# Non-blocking: `poll()` parses what has arrived; a connection that stops answering is closed
# by the caller's deadline, never waited on.
from micropython import const

_CONNECT = const(0x10)
_CONNACK = const(0x20)
_PUBLISH = const(0x30)
_PUBACK = const(0x40)
_SUBSCRIBE = const(0x82)  # 3.8.1: flags 0010
_SUBACK = const(0x90)
_PINGREQ = const(0xC0)
_PINGRESP = const(0xD0)
_DISCONNECT = const(0xE0)
_MAX_PACKET = const(512)  # a status JSON or a command fits; anything larger is refused
_INBOX = const(4)


class MqttError(Exception):
    pass


def _str(out, text):
    data = text.encode() if isinstance(text, str) else text
    out.append(len(data) >> 8)
    out.append(len(data) & 0xFF)
    out.extend(data)


def _packet(first, body):
    """Fixed header (type and flags, remaining length in 7-bit groups, 2.2.3) and body."""
    out = bytearray((first,))
    n = len(body)
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | 0x80 if n else byte)
        if not n:
            break
    out.extend(body)
    return out


class MqttClient:
    def __init__(self, sock):
        self.sock = sock
        self._rx = bytearray()
        self._next_id = 1
        self.connected = False
        self.refused = None  # CONNACK return code other than 0
        self.unacked = []  # packet ids of QoS 1 publishes the broker has not acknowledged
        self.acked = 0
        self.inbox = []  # (topic, payload) received, oldest first, at most _INBOX
        self.inbox_dropped = 0
        self.bad_packets = 0
        self.closed = False
        self.last_heard = None  # set to the caller's `now` on every packet
        self._skip = 0  # bytes still to drop of a packet larger than _MAX_PACKET
        self.oversized = 0  # such packets: a PUBLISH among them is in the inbox with payload None

    # -- out -----------------------------------------------------------------------------------

    def _send(self, data):
        view = memoryview(data)
        while view:
            sent = self.sock.send(view)
            if sent is None:
                sent = 0
            view = view[sent:]

    def connect(self, client_id, keepalive_s=120, will_topic=None, will_message=b"", will_retain=True,
                user=None, password=None):
        flags = 0x02  # clean session
        body = bytearray(b"\x00\x04MQTT\x04")
        if will_topic is not None:
            flags |= 0x04 | 0x08 | (0x20 if will_retain else 0)  # will, at QoS 1
        if user is not None:
            flags |= 0x80
        if password is not None:
            flags |= 0x40
        body.append(flags)
        body.append(keepalive_s >> 8)
        body.append(keepalive_s & 0xFF)
        _str(body, client_id)
        if will_topic is not None:
            _str(body, will_topic)
            _str(body, will_message)
        if user is not None:
            _str(body, user)
        if password is not None:
            _str(body, password)
        self._send(_packet(_CONNECT, body))

    def publish(self, topic, payload, qos=1, retain=False):
        """Returns the packet id (QoS 1), whose PUBACK `poll` will count."""
        body = bytearray()
        _str(body, topic)
        pid = 0
        if qos:
            pid = self._next_id
            self._next_id = self._next_id % 65535 + 1
            body.append(pid >> 8)
            body.append(pid & 0xFF)
            self.unacked.append(pid)
        body.extend(payload)
        self._send(_packet(_PUBLISH | (qos << 1) | (1 if retain else 0), body))
        return pid

    def subscribe(self, topic, qos=1):
        body = bytearray()
        pid = self._next_id
        self._next_id = self._next_id % 65535 + 1
        body.append(pid >> 8)
        body.append(pid & 0xFF)
        _str(body, topic)
        body.append(qos)
        self._send(_packet(_SUBSCRIBE, body))
        return pid

    def ping(self):
        self._send(bytes((_PINGREQ, 0)))

    def disconnect(self):
        self._send(bytes((_DISCONNECT, 0)))
        self.connected = False

    # -- in ------------------------------------------------------------------------------------

    def poll(self, now=0):
        """Read and handle every complete packet that has arrived; True if any did."""
        while True:
            try:
                data = self.sock.recv(256)
            except OSError:
                break  # nothing waiting (EAGAIN) on a non-blocking socket
            if data is None:
                break
            if not data:
                self.closed = True
                self.connected = False
                break
            self._rx.extend(data)
            self._drop()
            if len(self._rx) > 2 * _MAX_PACKET:
                break
        handled = False
        while self._one():
            handled = True
            self.last_heard = now
            self._drop()
        return handled

    def _drop(self):
        if self._skip:
            n = self._skip if self._skip < len(self._rx) else len(self._rx)
            self._rx = self._rx[n:]
            self._skip -= n

    def _one(self):
        rx = self._rx
        if len(rx) < 2:
            return False
        length = 0
        shift = 0
        i = 1
        while True:
            if i >= len(rx):
                return False
            byte = rx[i]
            length |= (byte & 0x7F) << shift
            i += 1
            if not byte & 0x80:
                break
            shift += 7
            if shift > 21:
                raise MqttError("remaining length longer than 4 bytes: the stream is broken")
        if length > _MAX_PACKET:
            return self._oversized(rx, i, length)
        if len(rx) < i + length:
            return False
        kind = rx[0] & 0xF0
        flags = rx[0] & 0x0F
        body = bytes(rx[i:i + length])
        self._rx = rx[i + length:]
        self._handle(kind, flags, body)
        return True

    def _oversized(self, rx, i, length):
        """A packet larger than the bench takes: its head is read (a PUBLISH's topic and packet
        id, so that it is acknowledged and rejected, never sent again by the broker, 4.3.2)
        and the rest dropped as it comes, so the session goes on."""
        head = 0
        topic = None
        if rx[0] & 0xF0 == _PUBLISH:
            if len(rx) < i + 2:
                return False
            n = rx[i] << 8 | rx[i + 1]
            qos = (rx[0] >> 1) & 3
            head = 2 + n + (2 if qos else 0)
            if head > _MAX_PACKET:
                head = 0  # a topic this long is no command topic: dropped unanswered
            elif len(rx) < i + head:
                return False
            else:
                try:
                    topic = bytes(rx[i + 2:i + 2 + n]).decode()
                except UnicodeError:
                    topic = None
                if qos:
                    self._send(bytes((_PUBACK, 2, rx[i + 2 + n], rx[i + 3 + n])))
        self.oversized += 1
        if topic is None:
            self.bad_packets += 1
        else:
            if len(self.inbox) >= _INBOX:
                self.inbox.pop(0)
                self.inbox_dropped += 1
            self.inbox.append((topic, None))  # the caller rejects it: too long to be a command
        self._rx = rx[i + head:]
        self._skip = length - head
        return True

    def _handle(self, kind, flags, body):
        if kind == _CONNACK and len(body) == 2:
            self.connected = body[1] == 0
            self.refused = None if body[1] == 0 else body[1]
        elif kind == _PUBACK and len(body) == 2:
            pid = body[0] << 8 | body[1]
            if pid in self.unacked:
                self.unacked.remove(pid)
                self.acked += 1
        elif kind == _PUBLISH and len(body) >= 2:
            n = body[0] << 8 | body[1]
            qos = (flags >> 1) & 3
            start = 2 + n + (2 if qos else 0)
            if start > len(body) or qos == 3:
                self.bad_packets += 1
                return
            try:
                topic = body[2:2 + n].decode()
            except UnicodeError:
                self.bad_packets += 1
                return
            if qos:
                self._send(bytes((_PUBACK, 2, body[2 + n], body[3 + n])))
            if len(self.inbox) >= _INBOX:
                self.inbox.pop(0)
                self.inbox_dropped += 1
            self.inbox.append((topic, body[start:]))
        elif kind in (_SUBACK, _PINGRESP):
            pass
        else:
            self.bad_packets += 1
