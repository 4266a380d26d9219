"""`make reliability`: the reliability report as a table to paste into the README — every
fault kind on every role replayed (flagged, recovered, how long it took), the seeded soak under
MicroPython (reports generated, delivered, queued, dropped; crashes; the heap), and the fuzz
suite run longer than the test suite does (examples tried)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from benchctl.paths import REPO

BASE = {"solar_v": 18.0, "solar_a": 1.0, "batt_v": 13.2, "batt_a": 0.5, "batt_c": 15.0, "air_c": 12.0,
        "port1_a": 0.0, "port2_a": 0.8, "port3_a": 0.0, "pir": 1, "radar_cm": 60}
ROLES = ("solar", "battery", "port1", "port2", "occupancy", "radio")
KINDS = ("nack", "stuck", "garbage")
FAULT_START_S, FAULT_S, REPORT_S = 1800, 1800, 900
_REPORT = re.compile(r"\[\s*(\d+)\.\d+\] INFO  report: #\d+ .* faults (0x[0-9a-f]{2})")


def fault_day(role: str, kind: str) -> list[dict]:
    """Three hours of a bench with live readings (a stuck chip is not a steady signal) and a
    half-hour fault of `kind` on `role` from 30 min on."""
    records = [{"t": 0, **BASE}]
    for t in range(60, 3 * 3600 + 1, 60):
        records.append({"t": t, "solar_a": 1.0 + (t % 7) / 10, "batt_a": 0.5 + (t % 5) / 10})
    records.append({"t": FAULT_START_S, "fault": {"sensor": role, "kind": kind, "for_s": FAULT_S}})
    return sorted(records, key=lambda r: r["t"])


def reports(console: str) -> list[tuple[float, int]]:
    """(time s, fault bits) of each status report, from a console log."""
    return [(float(m.group(1)), int(m.group(2), 16)) for m in _REPORT.finditer(console)]


def health_frames(out: Path) -> list[tuple[float, dict]]:
    """(first time heard, decoded) of each health frame the network heard (a frame sent again
    after a failed link check counts once)."""
    import json

    from benchctl import codec

    frames, seen = [], set()
    for line in (out / "uplinks.jsonl").read_text().splitlines():
        u = json.loads(line)
        if u["fport"] == 2 and u["payload_hex"].startswith("06") and u["delivered"] and u["payload_hex"] not in seen:
            seen.add(u["payload_hex"])
            frames.append((u["t"], codec.decode(2, bytes.fromhex(u["payload_hex"]))[0]))
    return frames


def _write(path: Path, records: list[dict]) -> Path:
    import json

    head = {"format": "bench-trace", "version": 1, "bench": "SM-REL", "start": "2026-06-21T00:00:00Z"}
    path.write_text("\n".join(json.dumps(r) for r in [head, *records]) + "\n")
    return path


def matrix() -> dict:
    """Every role and kind: flagged by the first report after it began, and the time from the
    fault's end to the first report with no fault bits."""
    from benchctl.replay import replay

    injected = flagged = recovered = 0
    longest = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for role in ROLES:
            for kind in KINDS:
                trace = _write(Path(tmp) / f"{role}-{kind}.jsonl", fault_day(role, kind))
                out = Path(tmp) / f"{role}-{kind}"
                replay(str(trace), str(out))
                made = reports((out / "console.log").read_text())
                injected += 1
                end = FAULT_START_S + FAULT_S
                following = [bits for t, bits in made if t > FAULT_START_S]
                if role == "radio":  # no status bit: the health frame counts the radio's troubles
                    flagged += 1 if any(h["radio_troubles"] for _, h in health_frames(out)) else 0
                else:
                    flagged += 1 if following and following[0] else 0
                clean = [t for t, bits in made if t >= end and bits == 0]
                if clean:
                    recovered += 1
                    longest = max(longest, clean[0] - end)
    return {"injected": injected, "flagged": flagged, "recovered": recovered, "longest_recovery_s": longest}


def fuzz() -> int:
    """Run the fuzz-marked property tests with the long profile; returns the examples tried."""
    env = dict(os.environ, HYPOTHESIS_PROFILE="long")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-m", "fuzz", "--hypothesis-show-statistics",
                           str(REPO / "tests")], capture_output=True, text=True, env=env, cwd=REPO)
    if done.returncode:
        raise RuntimeError("the fuzz suite failed:\n" + done.stdout[-3000:])
    # "- 2000 passing, 0 failing, and 3 invalid test cases" (older releases: "passing examples")
    return sum(int(n) for n in re.findall(r"(\d+) passing(?: examples)?,", done.stdout))


def main(argv: list[str]) -> int:
    from benchctl.figures.soak import soak

    days = int(argv[0]) if argv else 365
    m = matrix()
    s = soak(days)
    examples = fuzz()
    from benchctl.hostile import campaign

    hostile = campaign(range(200))
    r = s["reports"]
    events = ", ".join(f"{n} {k}" for k, n in sorted(s["events"].items()))
    print("| reliability (`make reliability`) | measured |")
    print("|---|---|")
    print(f"| faults injected, one per role and kind (6 roles x nack, stuck, garbage) | {m['injected']} |")
    print(f"| flagged by the next report | {m['flagged']} of {m['injected']} (the radio's in the health frame; a "
          "frozen radar by the command it does not acknowledge) |")
    print(f"| recovered after the fault ended | {m['recovered']} of {m['injected']}, longest "
          f"{m['longest_recovery_s']:.0f} s (one report interval: {REPORT_S} s) |")
    print(f"| soak under MicroPython | {days} days of the Smiltene year in closed loop, seed {s['seed']}: {events} |")
    print(f"| reports in the soak | {r['generated']} generated, {r['delivered']} delivered, {r['queued']} queued, "
          f"{r['dropped']} dropped (queue of 700: outages up to 10 days) |")
    print(f"| crashes out of the loop / safe modes | {s['loop_errors']} / {s['safe_modes']} |")
    print(f"| resets in the soak | {', '.join(f'{k} {v}' for k, v in sorted(s['resets'].items()))} |")
    print(f"| heap after each report, day 7 and the last day | {s['heap_day7_kb']:.1f} KB and "
          f"{s['heap_last_day_kb']:.1f} KB (most {s['heap_max_kb']:.1f} KB, simulator included) |")
    print(f"| fuzz examples (hypothesis, long profile) | {examples} |")
    print(f"| trace fuzzer (benchctl.hostile, seeds 0-199) | {hostile['traces']} random valid traces replayed, "
          f"{hostile['compared']} of them on both engines byte for byte: {len(hostile['failed'])} broke an "
          "invariant |")
    for run in hostile["failed"]:
        print(f"  seed {run['seed']}: {'; '.join(run['problems'])}", file=sys.stderr)
    ok = s["loop_errors"] == 0 and r["generated"] == r["delivered"] + r["queued"] + r["dropped"]
    ok = ok and not hostile["failed"]
    return 0 if ok and m["recovered"] == m["injected"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
