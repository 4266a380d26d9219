"""The soak: a long trace — the bundled synthetic Smiltene year by default, in closed loop —
with seeded faults of every kind woven in: sensor faults on every role and kind, link outages
from an hour to ten days, resets of every cause (a third of them tearing a flash write),
nonsense and commands on the console, mangled and valid downlinks. `python -m benchctl.figures.soak`
replays it under the real MicroPython port and checks that nothing crashed, the heap did not
grow, and every report is accounted for."""

from __future__ import annotations

import gzip
import json
import random
import sys
import tempfile
from pathlib import Path

from benchctl.paths import REPO

YEAR = REPO / "tests" / "traces" / "synthetic" / "smiltene-year.jsonl.gz"
DAY_S = 86400
ROLES = ("solar", "battery", "port1", "port2", "port3", "occupancy", "radio")
KINDS = ("nack", "stuck", "garbage")
CAUSES = ("power_on", "brownout", "watchdog", "hard", "soft")
# Downlinks the network could send: valid ones (docs/payload-v1.md), and bytes that are not.
VALID_DOWNLINKS = ((10, "01880e1178"), (11, "0202"), (11, "0201"), (12, "00"), (13, "b007"))
TYPED = ("status", "ports", "sessions", "config get", "config set report_interval_s 1200", "log info",
         "prot 1 on", "config set battery_ah -4", "port 9 on", "\x1b[A\x1b[A", "x" * 200)


def _events(rng: random.Random, days: int) -> list[dict]:
    events: list[dict] = []
    t = 3600
    while t < days * DAY_S:  # link outages: an hour to ten days, the longest first
        length = int(3600 * 240 ** rng.random()) if events else min(10 * DAY_S, days * DAY_S // 3)
        events += [{"t": t, "link": "down"}, {"t": t + length, "link": "up"}]
        t += length + rng.randint(2 * DAY_S, 40 * DAY_S)
    for day in range(days):
        base = day * DAY_S
        for _ in range(rng.randint(0, 2)):
            events.append({"t": base + rng.randint(0, DAY_S - 1), "fault": {
                "sensor": rng.choice(ROLES), "kind": rng.choice(KINDS), "for_s": rng.randint(60, 7200)}})
        if rng.random() < 0.3:
            reset = {"t": base + rng.randint(0, DAY_S - 1), "reset": rng.choice(CAUSES)}
            if rng.random() < 1 / 3:
                reset["torn_write"] = True
            events.append(reset)
        if rng.random() < 0.3:
            events.append({"t": base + rng.randint(0, DAY_S - 1), "console": rng.choice(TYPED)})
        if rng.random() < 0.2:
            if rng.random() < 0.5:
                fport, data = rng.choice(VALID_DOWNLINKS)
            else:
                fport, data = rng.randint(1, 30), bytes(rng.randrange(256) for _ in range(rng.randint(0, 12))).hex()
            events.append({"t": base + rng.randint(0, DAY_S - 1), "downlink": {"fport": fport, "hex": data}})
    return [e for e in events if e["t"] < days * DAY_S]


def weave(out: Path, seed: int = 1, days: int = 365, base: Path = YEAR) -> dict[str, int]:
    """Write the soak trace (gzipped) and return how many events of each kind it holds."""
    rng = random.Random(seed)
    events = sorted(_events(rng, days), key=lambda e: e["t"])
    counts: dict[str, int] = {}
    for e in events:
        kind = next(k for k in e if k != "t")
        counts[kind] = counts.get(kind, 0) + 1
    with gzip.open(base, "rt", encoding="utf-8") as src, gzip.open(out, "wt", encoding="utf-8") as dst:
        head = json.loads(src.readline())
        head["note"] = f"benchctl soak: {days} day(s) of {base.name} with seeded faults (seed {seed})"
        dst.write(json.dumps(head) + "\n")
        i = 0
        for line in src:
            record = json.loads(line)
            if record["t"] >= days * DAY_S:
                break
            while i < len(events) and events[i]["t"] <= record["t"]:  # records may share a t (trace-v1)
                dst.write(json.dumps(events[i]) + "\n")
                i += 1
            dst.write(json.dumps(record) + "\n")
        for e in events[i:]:
            dst.write(json.dumps(e) + "\n")
        dst.write(json.dumps({"t": days * DAY_S}) + "\n")
    return counts


def soak(days: int = 365, seed: int = 1, engine: str = "micropython", heapsize: str = "2m") -> dict:
    """Replay the woven trace; returns the figures the reliability report prints. The heap is
    the simulator's and the bench's together: the bench's own is measured after each report."""
    from benchctl.replay import replay

    with tempfile.TemporaryDirectory() as tmp:
        trace = Path(tmp) / "soak.jsonl.gz"
        counts = weave(trace, seed, days)
        result = replay(str(trace), str(Path(tmp) / "out"), engine=engine, heapsize=heapsize,
                        heap=engine == "micropython")
        console = (Path(tmp) / "out" / "console.log").read_text()
    summary = result.summary
    heap = result.heap or {}
    blocks = heap.get("blocks") or [0]
    return {"days": days, "seed": seed, "events": counts, "reports": summary["reports"],
            "resets": summary["resets"], "downlinks": summary["downlinks"],
            "loop_errors": console.count("ERROR loop:"), "safe_modes": console.count(" safe mode\n"),
            "heap_max_kb": heap.get("max", 0) / 1024, "heap_day7_kb": blocks[min(6, len(blocks) - 1)] / 1024,
            "heap_last_day_kb": blocks[-1] / 1024, "heap_days_kb": [b / 1024 for b in blocks]}


def main(argv: list[str]) -> int:
    days = int(argv[0]) if argv else 365
    figures = soak(days)
    print(json.dumps(figures, indent=2))
    r = figures["reports"]
    ok = figures["loop_errors"] == 0 and r["generated"] == r["delivered"] + r["queued"] + r["dropped"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
