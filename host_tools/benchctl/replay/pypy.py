"""The PyPy engine (`--engine pypy`): the CPython engine's own code, trace reader, simulator and
firmware alike, run unchanged by PyPy's JIT in a child process, whose outputs are the same
bytes (tests/test_engines.py). The child writes into a folder of the parent's; the parent
keeps the replay's promise that a failure writes nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from benchctl.paths import HOST

_FAILED = 1  # the child's exit statuses, as replay-v1's
_BAD = 2


def pypy_binary(path: str | None = None) -> str:
    """The PyPy to run: `path`, else `pypy3` on PATH (Debian's pypy3, PyPy 3.9 or later)."""
    found = path or shutil.which("pypy3")
    if not found or not (Path(found).is_file() and os.access(found, os.X_OK)):
        from benchctl.replay import ReplayError

        where = f"{path}: no such executable" if path else "no pypy3 on PATH"
        raise ReplayError(f"the pypy engine needs PyPy 3.9 or later ({where}; apt-get install pypy3, "
                          "or make setup, which installs it)")
    return found


def run(trace_path: str, work: Path, board_name: str | None, config_file: str | None,
        echo: Callable[[str], None] | None, pypy: str | None = None, inline: bool = False,
        progress: Callable[[float, int], None] | None = None) -> dict:
    """Replay under PyPy into `work`; returns the summary. Raises ReplayError or FirmwareFailed
    with the child's own words."""
    from benchctl.replay import FirmwareFailed, ReplayError

    job = {"trace": trace_path, "out": str(work), "board": board_name, "config": config_file, "echo": echo is not None,
           "inline": inline, "progress": progress is not None}
    env = dict(os.environ, PYTHONPATH=str(HOST), PYTHONIOENCODING="utf-8")
    env.pop("PYTHONHOME", None)  # the venv's CPython is not PyPy's
    proc = subprocess.Popen([pypy_binary(pypy), "-m", "benchctl.replay.pypy", json.dumps(job)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True, encoding="utf-8")
    assert proc.stdout is not None and proc.stderr is not None
    # stderr in a thread of its own: the child's progress as it comes (a console line, on
    # stdout, could hold anything), and no pipe left full while stdout is read.
    said: list[str] = []
    reader = threading.Thread(target=_stderr, args=(proc.stderr, said, progress), daemon=True)
    reader.start()
    for line in proc.stdout:
        if echo is not None:
            echo(line.rstrip("\n"))
    code = proc.wait()
    reader.join()
    err = "".join(said).strip()
    if code == _BAD:
        raise ReplayError(err)
    if code != 0:
        raise FirmwareFailed(err if code == _FAILED else f"PyPy exited with {code}: {err}")
    return json.loads((work / "summary.json").read_text())


_PROGRESS = "benchctl-progress "  # the child's progress lines on stderr: share, trace ms


def _stderr(stream, said: list[str], progress) -> None:
    for line in stream:
        if line.startswith(_PROGRESS):
            share, t_ms = line[len(_PROGRESS):].split()
            if progress is not None:
                progress(float(share), int(t_ms))
        else:
            said.append(line)


def main(argv: list[str]) -> int:
    """In the child, under PyPy: the CPython engine, with the same exit statuses."""
    from benchctl.replay import FirmwareFailed, ReplayError, replay

    job = json.loads(argv[0])
    echo = (lambda line: print(line)) if job["echo"] else None

    def progress(share: float, t_ms: int) -> None:
        print(f"{_PROGRESS}{share!r} {t_ms}", file=sys.stderr, flush=True)

    try:
        replay(job["trace"], job["out"], job["board"], job["config"], echo=echo, inline=job["inline"],
               progress=progress if job["progress"] else None)
    except ReplayError as e:
        print(e, file=sys.stderr)
        return _BAD
    except FirmwareFailed as e:
        print(e, file=sys.stderr)
        return _FAILED
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
