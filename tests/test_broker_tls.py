"""A Wi-Fi bench's broker connection, as the board makes it: the firmware's own socket opener
and MQTT client, run by the real MicroPython port (mbedTLS), against a real Mosquitto that
speaks only TLS and wants the bench's user name and password. The broker's certificate is
checked against the provisioned CA; another CA, or TLS without one, gets no connection."""

import datetime
import ipaddress
import json
import os
import socket
import subprocess
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from benchctl.replay import micropython_binary
from conftest import ROOT, mosquitto


def _name(text):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])


def authority(name):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(_name(name)).issuer_name(_name(name)).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(key, hashes.SHA256()))
    return key, cert


def server_cert(ca_key, ca_cert):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(_name("localhost")).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False).sign(ca_key, hashes.SHA256()))
    return key, cert


def pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def tls_broker(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mosquitto-tls")
    ca_key, ca_cert = authority("Smiltene benches CA")
    key, cert = server_cert(ca_key, ca_cert)
    (folder / "ca.pem").write_text(pem(ca_cert))
    (folder / "server.pem").write_text(pem(cert))
    (folder / "server.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                          serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))
    (folder / "passwd").write_text("")
    subprocess.run(["mosquitto_passwd", "-b", str(folder / "passwd"), "SM-TLS", "broker-s3cret-0925"], check=True,
                   capture_output=True)
    settings = (f"cafile {folder}/ca.pem\ncertfile {folder}/server.pem\nkeyfile {folder}/server.key\n"
                f"allow_anonymous false\npassword_file {folder}/passwd\n")
    for port in mosquitto(folder, settings):
        yield port, pem(ca_cert)


BENCH = """
import json, sys, time
from drivers.broker_socket import opener
from drivers.mqtt import MqttClient
with open(sys.argv[1]) as f:
    network = json.load(f)
try:
    sock = opener(network)("localhost", network["port"])
except (OSError, ValueError) as e:
    print("refused:", type(e).__name__, e)
    sys.exit(0)
c = MqttClient(sock)
c.connect("SM-TLS", 60, None, b"", True, network.get("user"), network.get("password"))
for _ in range(200):
    c.poll()
    if c.connected or c.refused is not None:
        break
    time.sleep(0.02)
print("connected" if c.connected else "refused: CONNACK %s" % c.refused)
"""


def bench_connects(tmp_path, network):
    script = tmp_path / "bench.py"
    script.write_text(BENCH)
    # network.json as the bench reads it from flash (a long argument crashes the unix port at start)
    (tmp_path / "network.json").write_text(json.dumps(network))
    done = subprocess.run([micropython_binary(), str(script), str(tmp_path / "network.json")], capture_output=True,
                          text=True,
                          timeout=30, env=dict(os.environ, MICROPYPATH=f"{ROOT / 'firmware'}:.frozen"))
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout.strip()


def test_the_bench_reaches_the_broker_over_tls_with_its_own_credentials(tls_broker, tmp_path):
    port, ca = tls_broker
    network = {"port": port, "tls": True, "ca": ca, "user": "SM-TLS", "password": "broker-s3cret-0925"}
    assert bench_connects(tmp_path, network) == "connected"
    assert bench_connects(tmp_path, dict(network, password="wrong")) == "refused: CONNACK 5"


def test_a_broker_whose_certificate_another_ca_signed_gets_no_connection(tls_broker, tmp_path):
    port, _ = tls_broker
    _, stranger = authority("someone else")
    said = bench_connects(tmp_path, {"port": port, "tls": True, "ca": pem(stranger), "user": "SM-TLS",
                                     "password": "broker-s3cret-0925"})
    assert said == "refused: OSError TLS: The certificate is not correctly signed by the trusted CA"


def test_tls_without_a_ca_and_plain_tcp_to_a_tls_broker_are_refused(tls_broker, tmp_path):
    port, _ = tls_broker
    said = bench_connects(tmp_path, {"port": port, "tls": True})
    assert said == "refused: ValueError network.json: tls needs the broker's ca (PEM); flash the bench again with it"
    assert bench_connects(tmp_path, {"port": port, "user": "SM-TLS", "password": "broker-s3cret-0925"}) != "connected"


def test_a_broker_that_takes_the_connection_and_says_nothing_costs_at_most_the_timeout(tmp_path):
    """The TLS handshake happens inside the socket's 5 s timeout: a broker (or a captive
    portal) that accepts TCP and then stays silent cannot hold the loop past the watchdog."""
    import threading

    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    held = []
    threading.Thread(target=lambda: held.append(server.accept()), daemon=True).start()
    _, ca = authority("any")
    started = time.monotonic()
    said = bench_connects(tmp_path, {"port": port, "tls": True, "ca": pem(ca)})
    took = time.monotonic() - started
    server.close()
    assert said.startswith("refused: OSError") and took < 15, (said, took)  # 5 s, plus starting MicroPython
