"""`make bench`, its occupancy section (also `python -m benchctl.figures.occupancy`): how well the bench
counts sittings, against the ground truth (`sitting`) of `benchctl synth` traces, for each
sensor fit and failure, in sun and clouds (which trip the PIR) and in rain (which gives the
radar ghosts). Figures, never a pass/fail test: the goals are printed beside them."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from benchctl.paths import REPO
from benchctl.replay import replay

DAYS = 7
VACANT_S, MIN_S = 90, 30  # the configuration's defaults: how the bench closes and counts a sitting
_SESSION = re.compile(r"^\[\s*([\d.]+)\] INFO  sitting: session of (\d+) s ended (\d+) s ago", re.M)
# (name, occupancy, a fault mid-trace on this sensor or None)
FITS = (("both sensors", "both", None), ("PIR only", "pir", None), ("radar only", "radar", None),
        ("both, PIR fails mid-week", "both", "pir"), ("both, radar fails mid-week", "both", "radar"))
WEATHERS = (("June: sun and clouds", "2026-06-01", {}), ("October: rain", "2026-10-05", {"rain_ghost_pct": 20}))


def _lines(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return f.read().splitlines()


def truth(records: list[dict]) -> list[tuple[float, float]]:
    """The sittings the trace holds, as the bench would define them: occupied spans, those
    closer than VACANT_S joined, those shorter than MIN_S dropped."""
    spans, start, last_t = [], None, 0.0
    for r in records:
        if "sitting" not in r:
            continue
        t, n = r["t"], r["sitting"]
        if n and start is None:
            start = t
        elif not n and start is not None:
            spans.append([start, t])
            start = None
        last_t = t
    if start is not None:
        spans.append([start, last_t])
    joined: list[list[float]] = []
    for s, e in spans:
        if joined and s - joined[-1][1] < VACANT_S:
            joined[-1][1] = e
        else:
            joined.append([s, e])
    return [(s, e) for s, e in joined if e - s >= MIN_S]


def found(console: str) -> list[tuple[float, float]]:
    """The sittings the bench counted, from its console lines (`session of N s ended M s ago`)."""
    out = []
    for m in _SESSION.finditer(console):
        end = float(m.group(1)) - int(m.group(3))
        out.append((end - int(m.group(2)), end))
    return out


def score(true: list[tuple[float, float]], got: list[tuple[float, float]]) -> dict[str, float]:
    """Precision, recall and F1 by session (each found sitting matched to at most one true one,
    by overlap, greedily in time), and occupied time found over true."""
    used = set()
    matched = 0
    for s, e in true:
        for i, (gs, ge) in enumerate(got):
            if i not in used and gs < e and ge > s:
                used.add(i)
                matched += 1
                break
    p = matched / len(got) if got else 1.0
    r = matched / len(true) if true else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    occupied = sum(e - s for s, e in got) / max(1.0, sum(e - s for s, e in true))
    return {"precision": p, "recall": r, "f1": f1, "occupied": occupied, "true": len(true), "found": len(got)}


def _trace(folder: Path, start: str, plant: dict, days: int) -> Path:
    path = folder / f"synth-{start}.jsonl.gz"
    args = [sys.executable, "-m", "benchctl.cli", "synth", str(path), "--start", start, "--days", str(days)]
    for key, value in plant.items():
        args += ["--plant", f"{key}={value}"]
    subprocess.run(args, check=True, capture_output=True, cwd=REPO)
    return path


def _with_fault(trace: Path, out: Path, sensor: str, days: int) -> Path:
    """The trace with `sensor` failing (not answering) from the middle of its days on."""
    lines = _lines(trace)
    middle = days * 86400 / 2
    fault = {"t": middle, "fault": {"sensor": sensor, "kind": "nack", "for_s": days * 86400}}
    records = [json.loads(line) for line in lines[1:]]
    at = next(i for i, r in enumerate(records) if r["t"] >= middle)
    records.insert(at, fault)
    out.write_text("\n".join([lines[0], *(json.dumps(r) for r in records)]) + "\n")
    return out


def measure(days: int = DAYS, weathers=WEATHERS, fits=FITS) -> list[dict]:
    """One row per weather and fit: the sittings found against the truth, and the radar's cost."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for weather, start, plant in weathers:
            base = _trace(folder, start, plant, days)
            records = [json.loads(line) for line in _lines(base)[1:]]
            true = truth(records)
            for name, mode, fault in fits:
                trace = base if fault is None else _with_fault(base, folder / f"{start}-{fault}.jsonl", fault, days)
                config = folder / f"{mode}.json"
                config.write_text(json.dumps({"occupancy": mode}))
                out = folder / f"out-{start}-{name.replace(' ', '_').replace(',', '')}"
                result = replay(str(trace), str(out), config_file=str(config))
                console = (out / "console.log").read_text()
                radar_wh = result.summary["plant"]["own_wh"]["radar"] / days
                rows.append({"weather": weather, "fit": name, "failed": fault is not None,
                             "radar_wh_day": radar_wh, **score(true, found(console))})
    return rows


def goal(row: dict) -> tuple[float, str]:
    if row["failed"]:
        return 0.8, "F1 >= 0.8 while a sensor has failed"
    if row["fit"] == "both sensors":
        return 0.95, "F1 >= 0.95, occupied within 5 %"
    return 0.9, "F1 >= 0.9 with either sensor alone"


def main() -> int:
    rows = measure()
    print(f"occupancy: sittings found against synth's ground truth, {DAYS} days each (closed loop, "
          "sensing modelled from `sitting`)")
    print(f"  {'weather':22} {'fit':28} {'true':>5} {'found':>5} {'precision':>9} {'recall':>6} {'F1':>5} "
          f"{'occupied':>8} {'radar Wh/day':>12}  goal")
    for r in rows:
        want, text = goal(r)
        met = r["f1"] >= want and (r["fit"] != "both sensors" or abs(r["occupied"] - 1) <= 0.05)
        print(f"  {r['weather']:22} {r['fit']:28} {r['true']:5d} {r['found']:5d} {r['precision']:9.3f} "
              f"{r['recall']:6.3f} {r['f1']:5.3f} {r['occupied']:8.1%} {r['radar_wh_day']:12.3f}  "
              f"{'met' if met else 'MISSED'}: {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
