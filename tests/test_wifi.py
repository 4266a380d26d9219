"""The Wi-Fi link against a fake station and a real Mosquitto: it connects with back-off,
publishes the queue as the decoders' JSON at QoS 1, leaves a frame on flash until its PUBACK,
keeps a retained online status with an "offline" last will, and takes commands."""

import json
import socket
import time

from bench.log import Log
from bench.payload import encode_boot, encode_status
from bench.queue import ReportQueue
from bench.report import Report
from bench.wifi import WifiLink
from benchctl import codec
from benchctl.sim.chips.flash import FakeBlock
from test_mqtt import broker, client, until  # noqa: F401  (the Mosquitto fixture)

STAT_IDLE, STAT_CONNECTING, STAT_NO_AP_FOUND, STAT_GOT_IP = 1000, 1001, 201, 1010  # network.WLAN on ESP32


class FakeWlan:
    """network.WLAN(STA_IF) as the firmware sees it: connect() takes 3 s when the access point
    is there and the key is right."""

    def __init__(self):
        self.now = 0
        self.ap_up = True
        self.key = "parks-2026"
        self.connects = []
        self._since = None
        self._ok = False

    def connect(self, ssid, key):
        self.connects.append(self.now)
        self._since = self.now
        self._ok = self.ap_up and key == self.key

    def isconnected(self):
        return self._ok and self.ap_up and self._since is not None and self.now - self._since >= 3000

    def status(self):
        if self.isconnected():
            return STAT_GOT_IP
        if self._since is None:
            return STAT_IDLE
        return STAT_CONNECTING if self._ok else STAT_NO_AP_FOUND


def opener(port):
    def open_socket(host, p):
        sock = socket.create_connection((host, port), timeout=2)
        sock.setblocking(False)
        return sock
    return open_socket


class Rig:
    def __init__(self, port, key="parks-2026"):
        self.wlan = FakeWlan()
        self.queue = ReportQueue(FakeBlock(66 * 64), 64)
        self.lines = []
        self.link = WifiLink(self.wlan, opener(port), self.queue, "SM-W1", Log(self.lines.append), "park", key,
                             "127.0.0.1", port)
        self.now = 0

    def run(self, seconds, until_done=None):
        for _ in range(int(seconds * 10)):
            self.now += 100
            self.wlan.now = self.now
            self.link.tick(self.now)
            if until_done is not None and until_done():
                return True
            time.sleep(0.001)
        return False


STATUS = encode_status(Report((5, 0, 834, 13240, 10860, 4542, 2, 670, 1, 1676, 3, 8, 21, 19, 0)))


def test_the_queue_reaches_the_broker_as_the_decoders_json_and_leaves_flash_on_puback(broker):  # noqa: F811
    watcher = client(broker, "municipality-1")
    watcher.subscribe("benches/SM-W1/#")
    rig = Rig(broker)
    rig.queue.put(2, encode_boot("brownout", 3))
    rig.queue.put(1, bytes(STATUS))
    assert rig.run(30, lambda: len(rig.queue) == 0)
    until(watcher, lambda: len(watcher.inbox) >= 3)
    got = {topic: payload for topic, payload in watcher.inbox}
    assert got["benches/SM-W1/online"] == b"online"
    assert json.loads(got["benches/SM-W1/status"]) == codec.decode(1, bytes(STATUS))[0]
    assert json.loads(got["benches/SM-W1/event"]) == {"fport": 2, "hex": encode_boot("brownout", 3).hex()}


def test_wifi_reconnects_with_back_off_and_then_delivers(broker):  # noqa: F811
    rig = Rig(broker)
    rig.wlan.ap_up = False
    rig.queue.put(1, bytes(STATUS))
    rig.run(600)
    gaps = [b - a for a, b in zip(rig.wlan.connects, rig.wlan.connects[1:], strict=False)]
    assert gaps == sorted(gaps) and gaps[0] >= 30_000  # 20 s to fail, then 10 s, 20 s, 40 s, ...
    assert len(rig.queue) == 1  # nothing lost while away
    rig.wlan.ap_up = True
    assert rig.run(900, lambda: len(rig.queue) == 0)


def test_a_wrong_key_is_named_on_the_console_and_retried(broker):  # noqa: F811
    rig = Rig(broker, key="wrong")
    rig.run(60)
    assert any("Wi-Fi park did not connect (status 201)" in line for line in rig.lines)


def test_the_bench_goes_offline_by_its_last_will_and_takes_commands(broker):  # noqa: F811
    rig = Rig(broker)
    assert rig.run(30, lambda: rig.link.mqtt is not None and rig.link.session_since == -1)
    operator = client(broker, "operator-1")
    operator.subscribe("benches/SM-W1/online")
    pid = operator.publish("benches/SM-W1/cmd", b'{"port": 1, "mode": "off"}')
    until(operator, lambda: pid not in operator.unacked)
    assert rig.run(10, lambda: rig.link.commands)
    assert rig.link.commands[0] == ("benches/SM-W1/cmd", b'{"port": 1, "mode": "off"}')
    rig.link.mqtt.sock.close()  # the bench loses power
    until(operator, lambda: operator.inbox and operator.inbox[-1][1] == b"offline")
