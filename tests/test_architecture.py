"""The architecture as tests (as ESPHome lints its components): the firmware's logic never
touches hardware, the clock or the network itself — those come in as objects from the board's
wiring — and a driver never reaches up into the bench's logic. Parsed with `ast`, so a lazy
import inside a function counts as much as one at the top."""

import ast

import pytest

from benchctl.paths import BOARDS, FIRMWARE, HOST

HARDWARE = {"machine", "network", "time", "utime", "socket", "usocket", "select", "uselect", "os", "uos",
            "bluetooth", "rp2", "esp32", "esp"}
# The few firmware files that must hold one, and why.
ALLOWED = {
    "drivers/usb_console.py": {"select"},  # polls the USB serial console without blocking
    "drivers/broker_socket.py": {"socket"},  # the MQTT broker's TCP socket (TLS through ssl)
    "bench/files.py": {"os"},  # the board's filesystem: write a temporary file, rename it over
}


def imports(path):
    """(line, top-level module) of every import in the file, at any depth."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name.split(".")[0]) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module.split(".")[0]))
    return out


FIRMWARE_FILES = sorted(str(p.relative_to(FIRMWARE)) for p in FIRMWARE.rglob("*.py"))


@pytest.mark.parametrize("name", FIRMWARE_FILES)
def test_firmware_logic_imports_no_hardware_clock_or_network(name):
    wrong = [f"{name}:{line}: import {module}" for line, module in imports(FIRMWARE / name)
             if module in HARDWARE and module not in ALLOWED.get(name, ())]
    assert not wrong, "hardware comes in as objects from the board's wiring (boards/common/wiring.py): " + \
        "; ".join(wrong)


@pytest.mark.parametrize("name", [n for n in FIRMWARE_FILES if n.startswith("drivers/")])
def test_a_driver_never_imports_the_bench(name):
    wrong = [f"{name}:{line}" for line, module in imports(FIRMWARE / name) if module == "bench"]
    assert not wrong, "a driver talks to its chip and knows nothing of the bench: " + ", ".join(wrong)


def test_the_allowed_exceptions_are_still_needed():
    for name, modules in ALLOWED.items():
        used = {module for _, module in imports(FIRMWARE / name)}
        assert modules <= used, f"{name} no longer imports {sorted(modules - used)}: drop it from ALLOWED"


def test_only_the_boards_wiring_imports_machine():
    # The board's own files are where hardware lives: one place per board.
    holders = sorted(str(p.relative_to(BOARDS)) for p in BOARDS.rglob("*.py")
                     if "machine" in {m for _, m in imports(p)})
    assert holders == ["common/wiring.py", "esp32-rak3172/board.py", "esp32-wifi/board.py",
                       "rp2040-rak3172/board.py"]


SIM = HOST / "benchctl" / "sim"
# What of the firmware the simulated world may use: plain data layouts and pure functions
# (the flash's queue format, the status frame's JSON), never a running bench's objects.
SIM_MAY_IMPORT = {"bench.hardware", "bench.provision", "bench.queue", "bench.files", "bench.airtime",
                  "bench.status_json"}
# The harnesses that boot the firmware (and sum what it counted, or record and play its
# devices); everything else is the world.
HARNESS = {"runner.py", "mp_main.py", "board_player.py", "board_recorder.py", "tape_main.py"}
WORLD_FILES = sorted(str(p.relative_to(SIM)) for p in SIM.rglob("*.py") if p.name not in HARNESS)


@pytest.mark.parametrize("name", WORLD_FILES)
def test_the_simulated_world_never_reaches_into_the_firmware(name):
    """The world sees the bench as a board's chips, flash and radio would: through the pins,
    buses and bytes it is given, not through the firmware's attributes (an uplink's record is
    found from the flash, not from `bench.radio.lora.in_flight`)."""
    tree = ast.parse((SIM / name).read_text(), name)
    wrong = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "bench" \
                and node.module not in SIM_MAY_IMPORT:
            wrong.append(f"{name}:{node.lineno}: from {node.module} import ...")
        if isinstance(node, ast.Attribute) and node.attr in ("bench", "radio", "lora", "wifi", "in_flight", "sending") \
                and isinstance(node.ctx, ast.Load):
            wrong.append(f"{name}:{node.lineno}: .{node.attr}")
    assert not wrong, "the simulator must not look inside the running firmware: " + "; ".join(wrong)
