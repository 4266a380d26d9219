"""The project's own trace fuzzer: random valid traces (resets torn or not, faults, links, SF
changes, downlinks of every FPort and length, console noise, closed-loop plants) and the
invariants every replay of them must keep. `make test` runs a few, `make fuzz` and
`make reliability` many; a share is also replayed under MicroPython and compared byte for byte."""

from __future__ import annotations

import json
import random
import shutil
import tempfile
from pathlib import Path
from typing import Any

from benchctl.replay import FirmwareFailed, ReplayError, replay
from benchctl.replay.trace import KINDS, RESETS, ROLES  # every role, kind and cause trace-v1 (and benchctl) takes

BOARDS = ("esp32-rak3172", "rp2040-rak3172", "esp32-wifi")
DAY = 86400
_WORDS = ("status", "ports", "sessions", "config get", "config set report_interval_s 600", "port 1 off",
          "port 2 auto", "log debug", "log info", "trace on", "trace off", "help", "reboot", "config set x 1",
          "prot 1 on", "STATUS", "config set min_session_s 3600", "config set max_session_s 600")


def _noise(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.5:
        return rng.choice(_WORDS)
    if kind < 0.8:
        return "".join(chr(rng.choice([rng.randrange(32, 127), rng.randrange(0, 0x2FFFF)])) for _ in
                       range(rng.randrange(0, 60)))  # lone surrogates too: valid JSON
    return rng.choice(["a" * 300, "x" * 2000, "\U0001F600 status", "port \u0661 on", "\x1b[2J\x00"])


def _downlink(rng: random.Random) -> dict[str, Any]:
    from benchctl import codec

    if rng.random() < 0.5:  # a well-formed command now and then, of each kind
        command = rng.choice([{"config": {"report_interval_s": rng.choice([60, 900, 1800, 5])}},
                              {"port": rng.randrange(1, 4), "mode": rng.choice(["on", "off", "auto"])},
                              {"read_config": True}, {"reboot": True}, {"resend_from": rng.randrange(256)}])
        fport, data = codec.encode_downlink(command)
        return {"fport": fport, "hex": bytes(data).hex()}
    size = rng.choice([0, 1, 2, 12, 51, 66, 67, 115, 222, 240])
    return {"fport": rng.randrange(1, 224), "hex": bytes(rng.randrange(256) for _ in range(size)).hex()}


def hostile_trace(seed: int, path: Path) -> dict[str, Any]:
    """Write a random valid trace for `seed` to `path`; returns what it holds (board, days)."""
    rng = random.Random(seed)
    days = rng.choice([1, 1, 2, 3])
    step = rng.choice([10, 30, 60, 300])
    closed = rng.random() < 0.3
    board = rng.choice(BOARDS)
    header: dict[str, Any] = {"format": "bench-trace", "version": 1, "bench": f"SM-F{seed % 1000:03d}",
                              "start": "2026-12-01T00:00:00Z", "source": "synthetic", "board": board}
    if closed:
        header["plant"] = {"battery_wh": rng.choice([128, 256, 640]), "initial_soc": rng.choice([0.01, 0.3, 0.9]),
                           "panel_wp": rng.choice([50, 100, 200])}
    records: list[dict[str, Any]] = []
    for t in range(0, days * DAY + 1, step):
        h = (t % DAY) / 3600
        if closed:
            records.append({"t": t, "poa_wm2": max(0.0, 400 * (1 - abs(h - 12) / 4)) * rng.random(),
                            "air_c": rng.uniform(-25, 10), "port1_demand_a": rng.choice([0.0, 0.0, 1.5, 3.0]),
                            "sitting": rng.choice([0, 0, 0, 1])})
        else:
            records.append({"t": t, "solar_v": round(rng.uniform(0, 20), 2), "solar_a": round(rng.uniform(0, 3), 2),
                            "batt_v": round(rng.uniform(12.0, 14.2), 3), "batt_a": round(rng.uniform(-2, 2), 3),
                            "batt_c": round(rng.uniform(-20, 30), 1), "air_c": round(rng.uniform(-25, 30), 1),
                            "port1_a": rng.choice([0.0, 0.0, 1.2]), "port2_a": 0.0, "port3_a": 0.0,
                            "pir": rng.choice([0, 0, 1]), "radar_cm": rng.choice([None, None, 80, 300])})
    events: list[dict[str, Any]] = []
    for _ in range(rng.randrange(0, 40 * days)):
        t = round(rng.uniform(0, days * DAY), 3)
        kind = rng.random()
        if kind < 0.25:
            event: dict[str, Any] = {"reset": rng.choice(RESETS)}
            if rng.random() < 0.3:
                event["torn_write"] = True
            if rng.random() < 0.2:  # a reset storm: every few seconds
                for k in range(rng.randrange(2, 8)):
                    events.append({"t": round(t + k * rng.uniform(1, 20), 3), "reset": rng.choice(RESETS)})
        elif kind < 0.4:
            event = {"fault": {"sensor": rng.choice(ROLES), "kind": rng.choice(KINDS),
                               "for_s": rng.choice([5, 60, 900, 7200, DAY])}}
        elif kind < 0.5:
            event = {"link": rng.choice(["down", "up", "up"])}
        elif kind < 0.6:
            event = {"sf": rng.randrange(7, 13)}
        elif kind < 0.8:
            event = {"downlink": _downlink(rng)}
        else:
            event = {"console": _noise(rng)}
        if rng.random() < 0.1:  # two events in one record, in either order
            other = {"console": _noise(rng)} if "console" not in event else {"link": "up"}
            event = {**other, **event} if rng.random() < 0.5 else {**event, **other}
        events.append({"t": t, **event})
    if rng.random() < 0.15:  # a downlink storm: the server sends hundreds in a day
        start = rng.uniform(0, (days - 1) * DAY + 1)
        events += [{"t": round(start + rng.uniform(0, DAY), 3), "downlink": _downlink(rng)}
                   for _ in range(rng.randrange(100, 300))]
    # Events ride in records of their own, at their times; a record of samples may share a t.
    merged = sorted(records + events, key=lambda r: r["t"])
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(header) + "\n")
        for record in merged:
            f.write(json.dumps(record) + "\n")
    return {"board": board, "days": days, "closed": closed, "records": len(merged)}


def _busiest(uplinks: list[dict[str, Any]], seconds: float) -> float:
    best, start, total = 0.0, 0, 0.0
    frames = [u for u in uplinks if u.get("airtime_s")]
    for u in frames:
        total += u["airtime_s"]
        while u["t"] - frames[start]["t"] >= seconds:
            total -= frames[start]["airtime_s"]
            start += 1
        best = max(best, total)
    return best


def problems(summary: dict[str, Any], out: Path) -> list[str]:
    """What a replay's outputs break of the invariants every run must keep, in words."""
    found = []
    r = summary["reports"]
    if min(r.values()) < 0 or r["generated"] != r["delivered"] + r["queued"] + r["dropped"]:
        found.append(f"reports do not add up: {r}")
    if summary["max_airtime_24h_with_joins_s"] > 30:
        found.append(f"busiest 24 h {summary['max_airtime_24h_with_joins_s']} s of airtime, over 30 s")
    if summary.get("max_requested_downlinks_24h", 0) > 10:
        found.append(f"{summary['max_requested_downlinks_24h']} downlinks asked for in 24 h, over 10")
    for key in ("sit_sessions", "occupied_s", "charge_sessions", "port_energy_wh", "uplinks", "joins"):
        if summary[key] < 0:
            found.append(f"{key} is negative")
    energy = summary.get("energy")
    if energy is not None:
        if energy["solar_wh"] < 0 or energy["load_wh"] < 0:
            found.append(f"negative energy: {energy}")
        for key in ("min_soc", "telemetry_uptime", "port_service_ratio"):
            if not 0 <= energy[key] <= 1:
                found.append(f"energy {key} = {energy[key]} is outside 0..1")
    uplinks = [json.loads(line) for line in (out / "uplinks.jsonl").read_text(encoding="utf-8").splitlines()]
    if len(uplinks) != summary["uplinks"]:
        found.append(f"uplinks.jsonl has {len(uplinks)} lines, the summary says {summary['uplinks']}")
    air = sum(u["airtime_s"] or 0 for u in uplinks)
    if abs(air - summary["airtime_s"]) > 0.001 * max(1, len(uplinks)):
        found.append(f"uplinks.jsonl airtime {air:.3f} s, the summary {summary['airtime_s']} s")
    if _busiest(uplinks, DAY) > 30.0001:
        found.append(f"uplinks.jsonl: {_busiest(uplinks, DAY):.3f} s in a day")
    if any(u["t"] > summary["duration_s"] + 1 for u in uplinks):
        found.append("an uplink after the trace's end")
    return found


def run_one(seed: int, compare: bool, work: Path) -> dict[str, Any]:
    """Generate, replay and check one trace; with `compare`, also under MicroPython, whose
    outputs must be the same bytes. Returns {"seed", "problems", "compared", ...}."""
    trace = work / f"hostile-{seed}.jsonl"
    made = hostile_trace(seed, trace)
    found: list[str] = []
    outs = {}
    for engine in ("cpython", "micropython") if compare else ("cpython",):
        out = work / f"out-{seed}-{engine}"
        try:
            result = replay(str(trace), str(out), engine=engine)
        except ReplayError as e:
            found.append(f"{engine}: a valid trace refused (exit 2): {e}")
            continue
        except FirmwareFailed as e:
            found.append(f"{engine}: the firmware failed (exit 1): {str(e)[:300]}")
            continue
        except Exception as e:  # a traceback: the worst of all
            found.append(f"{engine}: {type(e).__name__}: {e}")
            continue
        outs[engine] = out
        found += [f"{engine}: {p}" for p in problems(result.summary, out)]
    if len(outs) == 2:
        for name in ("console.log", "uplinks.jsonl", "summary.json"):
            if (outs["cpython"] / name).read_bytes() != (outs["micropython"] / name).read_bytes():
                found.append(f"{name} differs between the engines")
    return {"seed": seed, "problems": found, "compared": len(outs) == 2, **made}


def campaign(seeds: range, compare_every: int = 4) -> dict[str, Any]:
    """Run every seed; every `compare_every`-th is also replayed under MicroPython."""
    work = Path(tempfile.mkdtemp(prefix="benchctl-hostile-"))
    try:
        runs = [run_one(seed, seed % compare_every == 0, work) for seed in seeds]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"traces": len(runs), "compared": sum(r["compared"] for r in runs),
            "failed": [r for r in runs if r["problems"]]}
