"""What the virtual board's simulated hardware plays: a checked trace turned into the tape the
replay's fake chips read, with the configuration values and plant the trace asks for, in a
folder the board mounts at /vhw (boards/virtual/board.py reads it)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from benchctl.replay import effective_config, plant_setup
from benchctl.replay.trace import Trace


def prepare(folder: str | Path, trace_path: str | Path, speed: int = 1, seed: int = 1) -> Path:
    """Write tape.jsonl and setup.json into `folder` (made if missing). Raises TraceError or
    ReplayError naming the line of a bad trace."""
    if speed < 1:
        raise ValueError(f"speed {speed}: must be a whole number of times real time, 1 or more")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    trace = Trace(trace_path)
    try:
        values, _ = effective_config(trace, None)
        with open(folder / "tape.jsonl", "w", encoding="utf-8", newline="\n") as tape:
            for record in trace:
                tape.write(json.dumps(record, separators=(",", ":")) + "\n")
        setup = {"values": values, "plant": plant_setup(trace), "seed": seed, "speed": speed,
                 "bench": trace.header.bench}
    finally:
        trace.close()
    (folder / "setup.json").write_text(json.dumps(setup))
    return folder


def power_on(folder: Path) -> None:
    """The world's clock starts now: trace time 0 is this moment."""
    setup = json.loads((folder / "setup.json").read_text())
    setup["started_ns"] = time.time_ns()
    (folder / "setup.json").write_text(json.dumps(setup))
    (folder / "cause").write_text("power_on")
