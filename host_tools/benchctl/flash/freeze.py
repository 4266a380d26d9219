"""`make firmware BOARD=... PORT_BOARD=... MICROPYTHON=...`: the firmware frozen into a
MicroPython image, built by the port's own build from the board's manifest (FROZEN_MANIFEST),
so that its bytecode stays in flash: how an ESP32 without PSRAM runs the bench
(docs/boards.md, "Freezing the firmware"). Everything is checked before the build starts."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

from benchctl import manifest
from benchctl.paths import BOARDS, REPO

OUT = REPO / "build" / "firmware"
# The port folder and what its build leaves, by the board's MicroPython platform.
PORTS = {"esp32": ("esp32", "firmware.bin", "idf.py"), "rp2": ("rp2", "firmware.uf2", "arm-none-eabi-gcc")}


class FreezeError(Exception):
    pass


def plan(board: str, port_board: str, micropython: Path) -> tuple[list[str], Path, Path]:
    """(the make command, the image it builds, where it is copied), or FreezeError."""
    spec_path = BOARDS / board / "board.json"
    if not spec_path.is_file():
        known = ", ".join(sorted(p.parent.name for p in BOARDS.glob("*/board.json")))
        raise FreezeError(f"unknown board {board!r}; boards: {known}")
    platform = json.loads(spec_path.read_text())["micropython"]["platform"]
    if platform not in PORTS:
        raise FreezeError(f"{board} runs on {platform}, which has no frozen image here (ports: "
                          f"{', '.join(sorted(PORTS))})")
    try:
        manifest.read(board)  # the format this project writes; MicroPython's build reads it again
    except manifest.ManifestError as e:
        raise FreezeError(str(e)) from None
    port, image, tool = PORTS[platform]
    port_dir = micropython / "ports" / port
    if not (port_dir / "Makefile").is_file():
        raise FreezeError(f"{micropython}: not a MicroPython checkout (no ports/{port}/Makefile); give "
                          "MICROPYTHON=/path/to/micropython at the version benchctl flash installs")
    if not (micropython / "mpy-cross" / "build" / "mpy-cross").is_file():
        raise FreezeError(f"{micropython}: mpy-cross is not built; run make -C {micropython / 'mpy-cross'} first")
    if shutil.which(tool) is None:
        raise FreezeError(f"{tool} is not on PATH: install the {port} port's toolchain as its README says "
                          f"({port_dir / 'README.md'}) and open a shell where it is set up")
    frozen = (BOARDS / board / "manifest.py").resolve()
    command = ["make", "-C", str(port_dir), f"BOARD={port_board}", f"FROZEN_MANIFEST={frozen}"]
    built = port_dir / f"build-{port_board}" / image
    target = OUT / f"{board}-{port_board}-frozen{Path(image).suffix}"
    return command, built, target


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make firmware", description=__doc__.split("\n\n")[0])
    parser.add_argument("board")
    parser.add_argument("--port-board", required=True, help="MicroPython's board id, e.g. ESP32_GENERIC")
    parser.add_argument("--micropython", required=True, type=Path, help="a MicroPython checkout")
    args = parser.parse_args(argv)
    try:
        command, built, target = plan(args.board, args.port_board, args.micropython)
    except FreezeError as e:
        print(f"make firmware: {e}", file=sys.stderr)
        return 2
    print(" ".join(command))
    if subprocess.run(command).returncode != 0:
        print("make firmware: the port's build failed (above); nothing was copied", file=sys.stderr)
        return 1
    if not built.is_file():
        print(f"make firmware: the build ended without {built}", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(built, target)
    print(f"{target}: install it with benchctl flash PORT --board {args.board} --bench ID --micropython {target} "
          "--frozen")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
