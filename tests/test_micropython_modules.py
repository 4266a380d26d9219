"""Firmware modules not yet on the replay's path give the same answers under MicroPython as
under CPython: payload, airtime, queue, the RAK3172 driver and the LoRaWAN link against the
fake modem, and the MQTT client."""

import subprocess
import sys

from benchctl.replay import micropython_binary
from conftest import ROOT

SCRIPT = r"""
from bench import payload, airtime
from bench.config import Config
from bench.report import Report
rows = [(12, 0, 834, 13240, 10860, 4542, 2, 670, 1, 1676, 3, 8, 21, 19, 0),
        (200, 0, None, 0, 999999, 0, 99, 999999, 99, 999999, 7, 127, -140, None, 4),
        (1, 0, 0, 9000, 0, 0, 0, 0, 0, 0, 0, 0, None, None, 0)]
for r in rows:
    print(bytes(payload.encode_status(Report(r))).hex())
print(payload.encode_boot("watchdog", 70000).hex(), payload.encode_port_fault(3, "current while off", 25, 600).hex())
print(payload.encode_sensor_fault("port2", "stuck", 9).hex(), payload.encode_safe_mode(4, False).hex())
for frame in payload.encode_config(Config().v):
    print(frame.hex())
for sf in range(7, 13):
    print(sf, airtime.airtime_us(12, sf), airtime.airtime_us(51, sf), airtime.report_interval_s(900, 12, sf))
b = airtime.AirtimeBudget()
t = 0
for i in range(400):
    toa = airtime.airtime_us(12 + i % 40, 7 + i % 6)
    if b.allows(t, toa):
        b.spend(t, toa)
    t += 37000
print(b.spent_us(t), b.free_at, b.saved(t))
from bench.queue import ReportQueue, crc16
from bench.files import FileBlock
import os
path = QUEUE_FILE
q = ReportQueue(FileBlock(path, 10 * 64), 8)
for n in range(11):
    q.put(1, bytes([n]) * (n + 1))
q.peek(); q.ack()
again = ReportQueue(FileBlock(path, 10 * 64), 8)
print(crc16(b"123456789", 9), len(again), again.dropped, again.peek())
os.remove(path)
from benchctl.sim.chips.modem import FakeRak3172
from benchctl.sim.rng import Rng
from drivers.rak3172 import Rak3172
modem = FakeRak3172(Rng(3))
rak = Rak3172(modem)
now = 0
def run():
    global now
    for _ in range(1000):
        now += 100
        modem.now_ms = now
        if rak.poll(now):
            return rak.result
modem.downlinks.append((11, "0202"))
print(rak.join(now), run(), rak.send(now, 1, b"\x0c\xa7"), run(), rak.downlinks, modem.uplinks)
from bench.lorawan import LoRaLink
from bench.log import Log
from benchctl.sim.chips.flash import FakeBlock
out = []
modem = FakeRak3172(Rng(9))
queue = ReportQueue(FakeBlock(66 * 64), 64)
link = LoRaLink(Rak3172(modem), queue, Log(out.append))
for n in range(5):
    queue.put(1, bytes([n]) * 12)
now = 0
for step in range(200):
    now += 10000
    modem.now_ms = now
    modem.link_up = not (60 <= step < 120)
    if step % 20 == 0:
        queue.put(1, bytes([step]) * 12)
    modem.network_sf = 7 + step % 3
    link.tick(now)
print(link.state, link.sent, link.resent, len(queue), queue.tail, queue.head, len(modem.uplinks), out)
from drivers.mqtt import MqttClient
class Wire:
    def __init__(self, data):
        self.data = bytearray(data)
        self.sent = bytearray()
    def recv(self, n):
        if not self.data:
            raise OSError(11)
        chunk = bytes(self.data[:n])
        self.data = self.data[n:]
        return chunk
    def send(self, data):
        self.sent.extend(data)
        return len(data)
wire = Wire(bytes([0x20, 2, 0, 0, 0x40, 2, 0, 1, 0x32, 12, 0, 3]) + b"a/b" + bytes([0, 7]) + b"hello")
mq = MqttClient(wire)
mq.connect("SM-1", 60, "benches/SM-1/online", b"offline")
mq.publish("benches/SM-1/status", b"{}")
mq.poll()
print(mq.connected, mq.acked, mq.unacked, mq.inbox, bytes(wire.sent).hex())
"""


def test_payload_airtime_and_queue_agree_under_micropython(tmp_path):
    shim = ROOT / "host_tools" / "benchctl" / "shim"
    prelude = f"import sys; sys.path[:0] = [{str(shim)!r}, {str(ROOT / 'firmware')!r}, {str(ROOT / 'host_tools')!r}]\n"
    cpython = subprocess.run([sys.executable, "-c", prelude + SCRIPT.replace("QUEUE_FILE", repr(str(tmp_path / "c.bin")))], capture_output=True,
                             text=True, check=True).stdout
    micropython = subprocess.run([micropython_binary(), "-c", SCRIPT.replace("QUEUE_FILE", repr(str(tmp_path / "m.bin")))], capture_output=True,
                                 text=True, check=True, env={"MICROPYPATH": f"{ROOT / 'firmware'}:{ROOT / 'host_tools'}"}).stdout
    assert micropython == cpython
    assert len(cpython.splitlines()) == 3 + 2 + 2 + 6 + 1 + 1 + 1 + 1 + 1


LINE_NOISE = r"""
import gc
from bench.console import Shell

class Bench:
    def __init__(self):
        self.said = 0

    def write(self, line):
        self.said += 1

bench = Bench()
shell = Shell(bench)
for i in range(50):  # the first errors allocate what every error needs
    shell.handle("noise%d x" % i)
gc.collect()
before = gc.mem_alloc()
for i in range(2000):
    shell.handle("zq%dw%d" % (i, i * 7))
gc.collect()
print(gc.mem_alloc() - before, bench.said)
"""


def test_line_noise_on_the_console_leaves_no_trace_in_the_heap():
    # 2,000 distinct unknown verbs: looked up in a fixed table, none becomes a qstr for good
    # (each would cost its bytes for as long as the bench runs).
    from benchctl.figures.board_ram import interpreter_32bit

    done = subprocess.run([interpreter_32bit() or micropython_binary(), "-c", LINE_NOISE], capture_output=True,
                          text=True, check=True, env={"MICROPYPATH": f"{ROOT / 'firmware'}"})
    grown, said = (int(x) for x in done.stdout.split())
    assert said == 2050
    assert grown < 512, f"2,000 unknown verbs kept {grown} bytes of heap"
