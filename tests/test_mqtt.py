"""The firmware's MQTT client against a real Mosquitto broker on loopback: connect, QoS 1
publish acknowledged, retained online status, the last will on a dropped connection,
commands received; and random bytes from a broker never crash the parser."""

import socket
import subprocess
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import mosquitto
from drivers.mqtt import MqttClient, MqttError


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    yield from mosquitto(tmp_path_factory.mktemp("mosquitto"))


def client(port, name, **will):
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.setblocking(False)
    c = MqttClient(sock)
    c.connect(name, keepalive_s=60, **will)
    until(c, lambda: c.connected or c.refused is not None)
    assert c.connected
    return c


def until(c, done, seconds=5):
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError("the broker did not answer in time")
        c.poll()
        time.sleep(0.01)


def test_publish_at_qos_1_is_acknowledged_and_reaches_a_subscriber(broker):
    server = client(broker, "municipality")
    server.subscribe("benches/+/status")
    bench = client(broker, "SM-T")
    time.sleep(0.2)
    server.poll()
    pid = bench.publish("benches/SM-T/status", b'{"seq":12,"soc_pct":83}')
    until(bench, lambda: pid not in bench.unacked)
    assert bench.acked == 1
    until(server, lambda: server.inbox)
    assert server.inbox[0] == ("benches/SM-T/status", b'{"seq":12,"soc_pct":83}')


def test_retained_online_status_and_the_last_will_when_the_bench_drops_off(broker):
    bench = client(broker, "SM-W", will_topic="benches/SM-W/online", will_message=b"offline")
    pid = bench.publish("benches/SM-W/online", b"online", retain=True)
    until(bench, lambda: pid not in bench.unacked)
    watcher = client(broker, "watcher")
    watcher.subscribe("benches/SM-W/online")
    until(watcher, lambda: watcher.inbox)
    assert watcher.inbox[-1] == ("benches/SM-W/online", b"online")  # retained
    bench.sock.close()  # the bench loses power: no DISCONNECT
    until(watcher, lambda: watcher.inbox[-1][1] == b"offline")


def test_a_command_published_to_the_bench_arrives_and_is_acknowledged(broker):
    bench = client(broker, "SM-C")
    bench.subscribe("benches/SM-C/cmd")
    time.sleep(0.2)
    bench.poll()
    operator = client(broker, "operator")
    pid = operator.publish("benches/SM-C/cmd", b'{"port": 2, "mode": "off"}')
    until(operator, lambda: pid not in operator.unacked)
    until(bench, lambda: bench.inbox)
    assert bench.inbox[0] == ("benches/SM-C/cmd", b'{"port": 2, "mode": "off"}')


@pytest.fixture(scope="module")
def locked_broker(tmp_path_factory):
    """Mosquitto that lets no one in without the bench's own user name and password."""
    folder = tmp_path_factory.mktemp("mosquitto-locked")
    passwords = folder / "passwd"
    passwords.write_text("")
    subprocess.run(["mosquitto_passwd", "-b", str(passwords), "SM-L", "broker-s3cret-0925"], check=True,
                   capture_output=True)
    yield from mosquitto(folder, f"allow_anonymous false\npassword_file {passwords}\n")


def test_a_broker_that_wants_credentials_takes_the_benchs_own_and_refuses_others(locked_broker):
    def attempt(**credentials):
        sock = socket.create_connection(("127.0.0.1", locked_broker), timeout=5)
        sock.setblocking(False)
        c = MqttClient(sock)
        c.connect("SM-L", keepalive_s=60, **credentials)
        until(c, lambda: c.connected or c.refused is not None)
        sock.close()
        return c

    assert attempt(user="SM-L", password="broker-s3cret-0925").connected
    assert attempt(user="SM-L", password="wrong").refused == 5  # MQTT 3.1.1 3.2.2.3: not authorised
    assert attempt().refused == 5  # no anonymous benches


class Wire:
    def __init__(self, data):
        self.data = bytearray(data)
        self.sent = b""

    def recv(self, n):
        if not self.data:
            raise OSError(11)  # EAGAIN
        chunk = bytes(self.data[:n])
        del self.data[:n]
        return chunk

    def send(self, data):
        self.sent += bytes(data)
        return len(data)


@pytest.mark.fuzz
@given(st.binary(max_size=300))
def test_random_bytes_from_a_broker_never_crash_the_client(data):
    c = MqttClient(Wire(data))
    try:
        c.poll()
    except MqttError as e:
        assert str(e)
    assert len(c.inbox) <= 4


def test_packets_split_across_reads_are_joined():
    publish = bytes([0x32, 12, 0, 3]) + b"a/b" + bytes([0, 7]) + b"hello"
    wire = Wire(b"")
    c = MqttClient(wire)
    for byte in publish:
        wire.data.append(byte)
        c.poll()
    assert c.inbox == [("a/b", b"hello")]
    assert wire.sent == bytes([0x40, 2, 0, 7])  # its PUBACK


def publish_packet(topic: bytes, pid: int, payload: bytes) -> bytes:
    body = len(topic).to_bytes(2, "big") + topic + pid.to_bytes(2, "big") + payload
    length, n = bytearray(), len(body)
    while True:
        length.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            break
    return bytes([0x32]) + bytes(length) + body


@given(st.lists(st.integers(0, 3000), min_size=1, max_size=4), st.integers(1, 700))  # the inbox holds 4
def test_a_command_too_long_to_take_is_acknowledged_and_handed_on_as_none_and_the_rest_still_read(sizes, chunk):
    stream = b"".join(publish_packet(b"benches/SM-C/cmd", n + 1, b"x" * size) for n, size in enumerate(sizes))
    wire = Wire(b"")
    c = MqttClient(wire)
    got = []
    for at in range(0, len(stream), chunk):  # the broker's bytes as they come, in pieces
        wire.data.extend(stream[at:at + chunk])
        c.poll()
        got += c.inbox
        c.inbox.clear()
    c.poll()
    got += c.inbox
    taken = [size + 2 + 16 + 2 <= 512 for size in sizes]
    assert got == [("benches/SM-C/cmd", b"x" * size if ok else None) for size, ok in zip(sizes, taken)]
    assert wire.sent == b"".join(bytes([0x40, 2, 0, n + 1]) for n in range(len(sizes)))  # every one PUBACKed
    assert not c.closed and c.oversized == taken.count(False)
