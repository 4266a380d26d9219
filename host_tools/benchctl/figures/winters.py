"""The winter matrix of `make energy` (docs/energy.md): closed-loop winters, November to March,
on benches of every size and fit, each replayed with the firmware and with the best fixed
threshold chosen in hindsight, beside the perfect-foresight bound (benchctl.figures.bound). Prints the
table, checks the goals, draws the plots. Figures, never a pass/fail test."""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchctl.paths import REPO

OUT = REPO / "build" / "bench" / "energy" / "winters"
START, DAYS = "2026-11-01T00:00:00Z", 151  # 1 November to 31 March


@dataclass(frozen=True)
class Winter:
    name: str
    seed: int
    battery_wh: int
    panel_wp: int
    start_soc: float
    heater_w: int = 0
    board: str = "esp32-rak3172"
    battery_ah: int | None = None  # as configured; None: the battery's own (battery_wh / 12.8)

    @property
    def misconfigured(self) -> bool:
        return self.battery_ah is not None

    def plant(self) -> dict[str, Any]:
        return {"battery_wh": self.battery_wh, "panel_wp": self.panel_wp, "initial_soc": self.start_soc,
                "heater_w": self.heater_w}

    def config(self) -> dict[str, Any]:
        return {"battery_ah": self.battery_ah or round(self.battery_wh / 12.8), "heater_w": self.heater_w}

    def label(self) -> str:
        fit = f"{self.battery_wh} Wh {self.panel_wp} Wp {self.start_soc:.0%}"
        fit += f" heater {self.heater_w} W" if self.heater_w else ""
        fit += " Wi-Fi" if "wifi" in self.board else (" RP2040" if "rp2040" in self.board else "")
        if self.battery_ah:
            fit += f" (configured {self.battery_ah} Ah)"
        return fit


# Each seed is a different winter; pairs with and without a heater share theirs.
WINTERS = (
    Winter("large", 21, 1280, 100, 0.8),
    Winter("large-heated", 21, 1280, 100, 0.8, heater_w=10),
    Winter("mid", 22, 640, 100, 0.5),
    Winter("mid-heated", 22, 640, 100, 0.5, heater_w=10),
    Winter("small-heated", 23, 256, 50, 0.5, heater_w=10),
    Winter("tiny-rp2040", 24, 128, 200, 0.3, heater_w=10, board="rp2040-rak3172"),
    Winter("wifi-heated", 25, 640, 150, 0.9, heater_w=10, board="esp32-wifi"),
    Winter("wifi-small", 26, 256, 100, 0.3, board="esp32-wifi"),
    Winter("5x-too-big", 27, 256, 100, 0.6, heater_w=10, battery_ah=100),
    Winter("aged-70pct", 28, 896, 100, 0.5, battery_ah=100),
)


def trace_of(w: Winter) -> Path:
    from benchctl.synth.synth import write

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{w.name}.jsonl.gz"
    write(path, START, DAYS, seed=w.seed, board=w.board, plant=w.plant())
    return path


def _bound(w: Winter) -> dict[str, Any]:
    from benchctl.figures.bound import Hours, best_fixed_threshold, solve

    hours = Hours.of(str(trace_of(w)))
    best = solve(hours)
    pct, fixed = best_fixed_threshold(hours)
    return {"bound": best, "pct": pct, "fixed_model": fixed}


def _replay(args: tuple[Winter, str, dict[str, Any]]) -> dict[str, Any]:
    from benchctl.replay import replay

    w, name, config = args
    out = OUT / w.name / name
    out.mkdir(parents=True, exist_ok=True)
    cfg = out / "config.json"
    cfg.write_text(json.dumps(config))
    return {"summary": replay(str(OUT / f"{w.name}.jsonl.gz"), str(out), config_file=str(cfg)).summary,
            "out": str(out)}


def fixed_config(w: Winter, pct: int) -> dict[str, Any]:
    """The ladder as a fixed threshold: pad and USB off below `pct` % usable, nothing else shed."""
    return {**w.config(), "energy_policy": "ladder", "shed_qi_pct": pct, "shed_usb_pct": pct, "slow_report_pct": 0,
            "survival_pct": 0, "cold_shift_pct": 0, "hysteresis_pct": 1}


def goals(w: Winter, s: dict[str, Any], fixed: dict[str, Any], b: Any) -> list[str]:
    """The issue's goals for this winter; the ones missed, by name."""
    e, missed = s["energy"], []
    brownouts, uptime = e["brownouts"], e["telemetry_uptime"]
    if w.misconfigured:
        if brownouts > max(1, b.brownouts):
            missed.append(f"{brownouts} brownouts on a misconfigured battery (goal <= 1)")
    elif b.brownouts == 0:
        if brownouts:
            missed.append(f"{brownouts} brownouts where the bound has none")
        if uptime < 0.999:
            missed.append(f"uptime {uptime:.2%} < 99.9 %")
    else:
        if uptime < b.uptime - 0.01:
            missed.append(f"uptime {uptime:.1%} more than 1 % under the bound's {b.uptime:.1%}")
        if brownouts > b.brownouts:
            missed.append(f"{brownouts} brownouts, the bound {b.brownouts}")
    if e["cold_charge_s"]:
        missed.append(f"{e['cold_charge_s']} s charging below 0 C")
    phone = phone_wh(s)
    if b.phone_wh > 0.01 and phone < 0.9 * b.phone_wh:
        missed.append(f"phone energy {phone / b.phone_wh:.0%} of the bound (goal 90 %)")
    if phone < phone_wh(fixed) - 0.05:
        missed.append(f"phone energy {phone:.1f} Wh under the best fixed threshold's {phone_wh(fixed):.1f}")
    return missed


def phone_wh(s: dict[str, Any]) -> float:
    return s["plant"]["port_wh"] + s["plant"]["pad_wh"]


def harvest_share(s: dict[str, Any]) -> float:
    p = s["plant"]
    return s["energy"]["solar_wh"] / p["available_wh"] if p["available_wh"] else 0.0


def run(winters: tuple[Winter, ...] = WINTERS, workers: int = 2) -> list[dict[str, Any]]:
    with ProcessPoolExecutor(max_workers=workers) as pool:
        bounds = list(pool.map(_bound, winters))
        jobs = [(w, "firmware", w.config()) for w in winters]
        jobs += [(w, "fixed", fixed_config(w, b["pct"])) for w, b in zip(winters, bounds, strict=True)]
        done = list(pool.map(_replay, jobs))
    n = len(winters)
    rows = []
    for i, w in enumerate(winters):
        rows.append({"winter": w, **bounds[i], "firmware": done[i], "fixed": done[n + i]})
    return rows


def table(rows: list[dict[str, Any]]) -> list[list[str]]:
    head = ["winter", "bound: up/brownouts/phone Wh", "firmware: brownouts", "uptime (vs bound)",
            "phone Wh (vs bound)", "own Wh/day (bound)", "harvest used", "fixed X %: brownouts/up/phone Wh", "goals"]
    out = [head]
    for r in rows:
        w, b, s, f = r["winter"], r["bound"], r["firmware"]["summary"], r["fixed"]["summary"]
        e = s["energy"]
        days = s["duration_s"] / 86400
        own = s["plant"]["electronics_wh"] / days
        phone = phone_wh(s)
        ratio = f"{phone / b.phone_wh:.0%}" if b.phone_wh > 0.01 else "-"
        missed = goals(w, s, f, b)
        out.append([
            f"{w.name}: {w.label()}",
            f"{b.uptime:.1%}/{b.brownouts}/{b.phone_wh:.1f}",
            str(e["brownouts"]),
            f"{e['telemetry_uptime']:.2%} ({e['telemetry_uptime'] / b.uptime:.3f})",
            f"{phone:.1f} ({ratio})",
            f"{own:.2f} ({b.own_wh_day:.2f})",
            f"{harvest_share(s):.0%}",
            f"{r['pct']} %: {f['energy']['brownouts']}/{f['energy']['telemetry_uptime']:.1%}/{phone_wh(f):.1f}",
            "met" if not missed else "; ".join(missed),
        ])
    return out


def own_draw(rows: list[dict[str, Any]]) -> list[list[str]]:
    """The firmware's own need per day, part by part, for each winter."""
    from benchctl.plant.plant import OWN

    out = [["winter", *OWN, "heater"]]
    for r in rows:
        s = r["firmware"]["summary"]
        days = s["duration_s"] / 86400
        own = s["plant"]["own_wh"]
        out.append([r["winter"].name, *[f"{own[k] / days:.3f}" for k in OWN], f"{s['plant']['heater_wh'] / days:.3f}"])
    return out


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    """One panel per winter: state of charge of the firmware, the fixed threshold and the bound,
    and the battery's temperature."""
    import csv

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(rows), 1, figsize=(11, 2.2 * len(rows)), sharex=True)
    for ax, r in zip(axes, rows, strict=True):
        for name, colour in (("firmware", "C0"), ("fixed", "C1")):
            with open(Path(r[name]["out"]) / "plant.csv") as f:
                data = list(csv.DictReader(f))
            ax.plot([int(d["t_s"]) / 86400 for d in data], [100 * float(d["soc"]) for d in data], lw=0.8,
                    color=colour, label=name if name == "firmware" else f"fixed {r['pct']} %")
        b = r["bound"]
        ax.plot([(h + 1) / 24 for h in range(len(b.soc))], 100 * b.soc, lw=0.8, color="C2", label="bound")
        temp = ax.twinx()
        temp.plot([(h + 1) / 24 for h in range(len(b.temp_c))], b.temp_c, lw=0.4, color="grey")
        temp.set_ylabel("battery C", fontsize=7)
        ax.set_ylabel("charge %", fontsize=7)
        ax.set_title(r["winter"].label(), fontsize=8)
        ax.legend(loc="upper right", fontsize=6)
    axes[-1].set_xlabel("day from 1 November")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def report(rows: list[dict[str, Any]]) -> None:
    from benchctl.figures.energy import print_table

    print(f"winters: {len(rows)} closed-loop winters, {START[:10]} + {DAYS} days, firmware and the best fixed "
          "threshold in hindsight against the perfect-foresight bound")
    print_table(table(rows))
    print("  the firmware's own need, Wh/day by part (plant books):")
    print_table(own_draw(rows))
    png = OUT / "winters.png"
    plot(rows, png)
    print(f"  plots: {png.relative_to(REPO)}")
