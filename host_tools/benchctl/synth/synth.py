"""Writes a synthetic environment trace (trace-v1, closed loop): the weather on a grid of
`step_s`, the people at their own seconds, a header whose `plant` and `site` say what was
assumed. The same arguments and seed give the same bytes."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from benchctl.synth.people import people
from benchctl.synth.weather import Site, weather

SITES = {"smiltene": Site()}


def records(start: str, days: int, seed: int, site: Site, step_s: int = 300, ports: int = 3, qi: bool = True):
    t0 = pd.Timestamp(start, tz="UTC")
    times = pd.date_range(t0, periods=days * 86400 // step_s + 1, freq=f"{step_s}s")
    rng = np.random.default_rng(seed)
    w = weather(site, times, rng)
    grid: dict[int, dict] = {}
    last: dict[str, float] = {}
    for i, (poa, air, rain) in enumerate(zip(w["poa_wm2"], w["air_c"], w["rain"], strict=True)):
        t = i * step_s
        row = {"poa_wm2": float(poa), "air_c": float(air), "rain": int(rain)}
        changed = {k: v for k, v in row.items() if last.get(k) != v}
        last.update(row)
        if changed or i == len(times) - 1:
            grid[t] = changed
    for rec in people(t0, days, rng, ports, qi):
        if rec["t"] <= days * 86400:
            grid.setdefault(rec["t"], {}).update({k: v for k, v in rec.items() if k != "t"})
    start_state = {"sitting": 0, **{f"port{n}_demand_a": 0.0 for n in range(1, ports + 1)}}
    if qi:
        start_state["qi_demand_w"] = 0.0
    grid[0] = {**start_state, **grid.get(0, {})}
    return [{"t": t, **grid[t]} for t in sorted(grid)], w


def header(bench: str, start: str, days: int, seed: int, site_name: str, site: Site, board: str,
           plant: dict | None = None) -> dict:
    return {"format": "bench-trace", "version": 1, "bench": bench, "board": board, "start": start,
            "source": "synthetic",
            "note": f"benchctl synth: {site_name}, {days} day(s) from {start[:10]}, seed {seed}",
            "plant": {"seed": seed, **(plant or {})},
            "site": {"name": site_name, "lat": site.lat, "lon": site.lon, "tilt_deg": site.tilt_deg,
                     "azimuth_deg": site.azimuth_deg}}


def write(path: str | Path, start: str, days: int, seed: int = 1, site_name: str = "smiltene",
          board: str = "esp32-rak3172", bench: str = "SM-SYN", step_s: int = 300, plant: dict | None = None) -> Path:
    site = SITES[site_name]
    recs, _ = records(start, days, seed, site, step_s)
    buf = io.StringIO()
    buf.write(json.dumps(header(bench, start, days, seed, site_name, site, board, plant)) + "\n")
    for rec in recs:
        buf.write(json.dumps(rec, separators=(",", ":")) + "\n")
    data = buf.getvalue().encode()
    path = Path(path)
    if path.suffix == ".gz":
        # mtime 0 and no file name in the gzip header: the same trace is the same bytes.
        with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
            f.write(data)
    else:
        path.write_bytes(data)
    return path
