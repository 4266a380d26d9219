"""Each board's manifest (boards/<board>/manifest.py) names exactly the modules that board runs:
none it imports is missing (a flashed board would fail where the replay passed), and none it
never imports is carried (heap on a board that has none to spare). What a board imports is
recorded as the firmware imports it, over runs that reach its rarely used parts too: safe
mode, the heater, the reference ladder, console commands."""

import ast
import json
import subprocess
import sys

import pytest

from benchctl import manifest
from benchctl.paths import BOARDS, FIRMWARE, HOST
from conftest import TRACES, write_trace

BOARD_NAMES = sorted(p.parent.name for p in BOARDS.glob("*/board.json"))
FIRMWARE_ROOTS = ("bench", "drivers")

# Run in a fresh interpreter per board: every `import` a firmware module makes is recorded,
# whatever the simulator imported before it.
_RECORDER = r"""
import builtins, json, sys
sys.path[:0] = [sys.argv[1]]
real = builtins.__import__
seen = set()
sim = sys.argv[2] == "virtual"  # the virtual board runs the simulator, which plays its chips, from its flash
def record(name, globals=None, locals=None, fromlist=(), level=0):
    module = real(name, globals, locals, fromlist, level)
    importer = (globals or {}).get("__name__", "")
    ours = importer.split(".")[0] in ("bench", "drivers") or (sim and importer.startswith("benchctl.sim"))
    if ours and name.split(".")[0] in ("bench", "drivers"):
        seen.add(name)
        for item in fromlist or ():
            if name + "." + item in sys.modules:
                seen.add(name + "." + item)
    return module
builtins.__import__ = record
from benchctl.replay import replay
for trace, config in json.loads(sys.argv[3]):
    replay(trace, None, board_name=sys.argv[2], config_file=config)
print(json.dumps(sorted(seen)))
"""


def _static_imports(path, board_spec):
    """The firmware modules a boot file (main.py, wiring.py) imports, lazily or not; wiring's
    Wi-Fi part only on a Wi-Fi board."""
    out = set()

    def visit(node):
        if isinstance(node, ast.FunctionDef) and node.name == "_wifi" and not board_spec.get("wifi"):
            return
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in FIRMWARE_ROOTS:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] in FIRMWARE_ROOTS)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text()))
    return out


def _scenarios(tmp_path, spec):
    loop = [{"t": 0, "solar_v": 18.0, "solar_a": 1.0, "batt_v": 13.2, "batt_a": 0.5, "batt_c": 15.0, "air_c": 12.0,
             "port1_a": 0.0, "port2_a": 0.0, "port3_a": 0.0, "pir": 0, "radar_cm": None}]
    loop += [{"t": 20 * n, "reset": "watchdog"} for n in range(1, 7)]  # a boot loop: safe mode
    loop += [{"t": 200, "console": "status"}, {"t": 300, "console": "sessions"}, {"t": 400, "console": "trace on"},
             {"t": 500, "console": "config get"}, {"t": 600}]
    safe = write_trace(tmp_path / "loop.jsonl", loop)
    runs = [(str(TRACES / "park-summer-day.jsonl"), None), (str(safe), None)]
    for name, config in (("ladder", {"energy_policy": "ladder"}), ("heater", {"heater_w": 20})):
        if name == "heater" and "heater_pin" not in spec:
            continue
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(config))
        runs.append((str(TRACES / "park-winter-cold.jsonl"), str(path)))
    return runs


@pytest.mark.parametrize("board", BOARD_NAMES)
def test_the_manifest_names_exactly_the_modules_the_board_imports(tmp_path, board):
    spec = json.loads((BOARDS / board / "board.json").read_text())
    listed = manifest.read(board).modules()
    done = subprocess.run([sys.executable, "-c", _RECORDER, str(HOST), board, json.dumps(_scenarios(tmp_path, spec))],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    imported = set(json.loads(done.stdout.splitlines()[-1]))
    imported |= _static_imports(FIRMWARE / "main.py", spec) | _static_imports(BOARDS / board / "board.py", spec)
    if (BOARDS / board / "board.py").read_text().count("import wiring"):
        imported |= _static_imports(BOARDS / "common" / "wiring.py", spec)
    imported |= set(FIRMWARE_ROOTS)
    listed_firmware = {m for m in listed if m.split(".")[0] in FIRMWARE_ROOTS}
    missing, unused = sorted(imported - listed_firmware), sorted(listed_firmware - imported)
    assert not missing, f"{board} imports modules its manifest does not carry: {missing}"
    assert not unused, f"{board}'s manifest carries modules the board never imports: {unused}"
    assert {"main", "board"} <= listed


def test_a_manifest_that_names_a_missing_file_or_computes_its_arguments_is_refused(tmp_path, monkeypatch):
    folder = tmp_path / "boards" / "b"
    folder.mkdir(parents=True)
    monkeypatch.setattr(manifest, "BOARDS", tmp_path / "boards")
    (folder / "manifest.py").write_text('module("nowhere.py")\n')
    with pytest.raises(manifest.ManifestError, match=r"nowhere\.py does not exist"):
        manifest.read("b")
    (folder / "manifest.py").write_text('import os\n')
    with pytest.raises(manifest.ManifestError, match=r"manifest.py:1: a board manifest holds only"):
        manifest.read("b")
    (folder / "manifest.py").write_text('package("bench", files=tuple(x for x in "ab"))\n')
    with pytest.raises(manifest.ManifestError, match="written out"):
        manifest.read("b")
    (folder / "manifest.py").write_text('package("bench")\n')
    with pytest.raises(manifest.ManifestError, match="must list its files"):
        manifest.read("b")
    (folder / "manifest.py").write_text('include("manifest.py")\n')
    with pytest.raises(manifest.ManifestError, match="includes itself"):
        manifest.read("b")
    with pytest.raises(manifest.ManifestError, match="has no manifest"):
        manifest.read("other")
