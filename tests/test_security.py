"""Secrets stay secret: provisioned LoRaWAN keys and Wi-Fi and broker credentials never appear
on the console — whatever a field engineer types there — in a log line or on the air; and what
reaches the bench from the network is validated against an allow-list with ranges."""

import json

import pytest

from bench.console import HELP
from conftest import SimBench

APPKEY = "5EC12E7A99EE0000000000000000C0DE"
WIFI = {"ssid": "smiltene-parks", "key": "wifi-s3cret-7731", "broker": "mqtt.bench.test", "port": 1883,
        "user": "SM-T", "password": "broker-s3cret-0925"}


def everything_typed(sim):
    """Every command in the shell's help, with and without arguments, and some nonsense."""
    lines = []
    for entry in HELP:
        verb = entry.split()[0]
        for line in (verb, entry.split("   ")[0].strip(), verb + " appkey", verb + " key"):
            lines += sim.type(line)
        sim.tick(10)
    lines += sim.type("config get")
    return "\n".join(lines)


@pytest.mark.parametrize("network", [{"deveui": "AC1F09FFFE000042", "joineui": "70B3D57ED0000001", "appkey": APPKEY}],
                         ids=["lorawan-keys"])
def test_lorawan_keys_never_reach_the_console_or_the_air(network):
    sim = SimBench({"network.json": json.dumps(network).encode()})
    on_air = []
    sim.world.air.on_air = lambda t, fport, payload, toa_us, delivered, topic=None: on_air.append(payload.hex())
    for _ in range(120):
        sim.tick(10)
    said = sim.console.text() + everything_typed(sim)
    assert sim.world.air.modem.keys["APPKEY"] == APPKEY  # the bench did give it to the modem
    assert APPKEY not in said and APPKEY.lower() not in said
    assert len(on_air) >= 2  # the join and the boot event, at least, went on the air
    assert APPKEY.lower() not in "".join(on_air)


def test_wifi_and_broker_credentials_never_reach_the_console():
    from bench.config import Config
    from benchctl.sim.world import World
    from conftest import BASE, Lines, board

    console = Lines()
    world = World(board("esp32-wifi"), [(0, dict(BASE), None)], Config().v)
    world.flash.write("network.json", json.dumps(WIFI).encode())
    world.settle()
    hw = world.hardware("SM-T", "power_on", console)
    assert hw.network["password"] == WIFI["password"]
    from bench.bench import Bench

    bench = Bench(hw, world.clock())
    world.console = bench.console_input
    for _ in range(60):
        world.move_to(world.now + 10000)
        bench.tick(world.clock())
    for line in ("status", "config get", "help", "config get key", "config set key 1"):
        bench.console_input(line)
    bench.tick(world.clock())
    said = console.text()
    assert "mqtt" in said  # the Wi-Fi link did run and talk about itself
    for secret in (WIFI["key"], WIFI["password"]):
        assert secret not in said
