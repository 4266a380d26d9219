"""The architecture as tests (as ESPHome lints its components): the firmware's logic never
touches hardware, the clock or the network itself — those come in as objects from the board's
wiring — and a driver never reaches up into the bench's logic. Parsed with `ast`, so a lazy
import inside a function counts as much as one at the top."""

import ast

import pytest

from benchctl.paths import BOARDS, FIRMWARE

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
