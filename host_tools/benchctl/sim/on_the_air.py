# The radio's side of the world: the fake modem or the Wi-Fi station and its broker, the
# network server behind them, the link's state and what went on the air. Every uplink is
# counted, heard by the server when the link was up, and handed to the host for uplinks.jsonl.
# Which queue record a frame carried is found from the bytes the flash was given (as a
# network server would know it from the frame), never from inside the firmware.
from bench.queue import CAPACITY
from benchctl.sim.chips.modem import FakeRak3172
from benchctl.sim.network.broker import FakeBroker, FakeWlan
from benchctl.sim.network.server import NetworkServer

SECRET = "not-printed-0f3c"  # the Wi-Fi key of every simulated bench: no console line may show it
NETWORK_QUEUE = 16  # downlinks a network server holds for one device at most


def _published_as(topic, body):
    """Whether a queue record (fport, payload) is what the bench published as `body` under
    `topic`: docs/telemetry.md's topics, the status as its JSON, other frames in hex."""
    if topic.endswith("/status"):
        from bench.status_json import status_json  # a Wi-Fi bench's: a LoRaWAN board carries none

        return lambda fport, payload: fport == 1 and len(payload) == 12 and status_json(payload).encode() == body
    return lambda fport, payload: body == ('{"fport":%d,"hex":"%s"}' % (fport, "".join(["%02x" % b for b in payload]))).encode()


class OnTheAir:
    def __init__(self, board, rng, flash, queue_block, on_air):
        self.flash = flash
        self.queue_block = queue_block
        # (t ms, fport, payload, airtime us, delivered) for uplinks.jsonl: the host finds the
        # busiest 24 h there, so the simulator keeps no list of its own in the heap it measures.
        self.on_air = on_air
        self.on_tx = None  # ms spent transmitting, per LoRaWAN uplink: the plant's load
        self.now = 0
        self.link_up = True
        self.bench_id = "?"
        self.sent_seq = -1  # the queue record the network last heard
        self.uplinks = 0
        self.uplink_bytes = 0
        self.airtime_us = 0
        self.joins = 0
        self.join_airtime_us = 0
        self.modem = self.server = self.wlan = self.broker = None
        if "modem" in board:
            self.modem = FakeRak3172(rng)
            self.modem.on_air = self._heard
            self.server = NetworkServer(self.modem, CAPACITY)
        elif board.get("wifi"):
            self.wlan = FakeWlan(self)
            self.broker = FakeBroker(self, rng)
            self.broker.on_publish = self._published
            self.server = NetworkServer(None, CAPACITY)

    def at(self, t):
        self.now = t
        if self.modem is not None:
            self.modem.now_ms = t

    def power_on(self):
        if self.modem is not None:
            self.modem.power_on()

    def wire(self, hw, bench_id):
        """Hand the radio to the firmware's Hardware, as the board's wiring does."""
        self.bench_id = bench_id
        hw.modem_uart = self.modem
        if self.wlan is not None:
            self.wlan.since = None  # the station starts disconnected after a reset
            hw.wlan = self.wlan
            hw.open_socket = self.broker.open_socket
            hw.network = {"ssid": "smiltene-parks", "key": SECRET, "broker": "mqtt.bench.test", "port": 1883}

    def event(self, kind, value):
        """A trace's radio event: the link goes up or down, the network changes the spreading
        factor, or the application sends a downlink."""
        if kind == "link":
            self.link_up = value == "up"
            if self.modem is not None:
                self.modem.link_up = self.link_up
            elif self.broker is not None and not self.link_up:
                self.broker.link_down()
        elif kind == "sf":
            if self.modem is not None:
                self.modem.network_sf = value
        elif kind == "downlink":
            if self.modem is not None:
                # The network holds it for the next uplink, in a queue of its own that has a
                # limit (a network server's downlink queue per device): more are refused there.
                if len(self.modem.downlinks) < NETWORK_QUEUE:
                    self.modem.downlinks.append(value)
            elif self.broker is not None:
                # The application publishes the same bytes on benches/<id>/cmd.
                self.broker.command(('{"fport": %d, "hex": "%s"}' % (value[0], value[1])).encode())

    def set_fault(self, fault):
        if self.modem is not None:
            self.modem.fault = fault
        if self.broker is not None:
            self.broker.fault = fault

    def counts(self):
        """The summary's `radio` (docs/spec/replay-v1.md)."""
        server, modem = self.server, self.modem
        return {"uplinks": self.uplinks, "uplink_bytes": self.uplink_bytes, "airtime_us": self.airtime_us,
                "joins": self.joins, "join_airtime_us": self.join_airtime_us,
                "gap_requests": 0 if server is None else server.gap_requests,
                "max_downlinks_24h": 0 if modem is None else modem.max_downlinks_24h,
                "max_requested_downlinks_24h": 0 if modem is None else modem.max_answers_24h}

    def _record(self, same):
        """The queue seq of the record an uplink carried (None for a frame not queued, such as
        a reply made on the spot); the search starts after the last one found."""
        seq = self.queue_block.find(self.sent_seq + 1, same)
        if seq is not None:
            self.sent_seq = seq
        return seq

    def _settled(self):
        # Something left the bench after its last flash writes: they had finished, so a
        # reset's torn write cannot undo them (the airtime book a frame was booked in).
        self.flash.settled()
        self.queue_block.settled()

    def _published(self, topic, payload, delivered):
        """A PUBLISH reached the broker's socket; the broker took it unless it is faulted."""
        self._settled()
        self.uplinks += 1
        self.uplink_bytes += len(payload)
        if delivered:
            self.server.hear(self.now, self._record(_published_as(topic, payload)), 1 if topic.endswith("/status") else 2, b"")
        if self.on_air is not None:
            self.on_air(self.now, None, payload, None, delivered, topic)

    def _heard(self, t, fport, payload, toa_us, delivered):
        """An uplink left the fake modem: count it, and let the server hear it if the link was up.
        A JoinRequest (fport None) only counts its airtime."""
        self._settled()
        if fport is None:
            self.joins += 1
            self.join_airtime_us += toa_us
            if self.on_air is not None:
                self.on_air(t, fport, payload, toa_us, delivered)
            return
        self.uplinks += 1
        self.uplink_bytes += len(payload)
        self.airtime_us += toa_us
        if self.on_tx is not None:
            self.on_tx(toa_us // 1000)
        if delivered:
            self.server.hear(t, self._record(lambda f, p: f == fport and p == payload), fport, payload)
        if self.on_air is not None:
            self.on_air(t, fport, payload, toa_us, delivered)
