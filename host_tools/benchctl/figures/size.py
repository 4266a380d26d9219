"""`benchctl size`: which panel, battery and heater keep a Smiltene bench reporting through the
winter, and how many phone top-ups a day each size can give (docs/energy.md). Synthetic winters
(November to March, seeded), each solved with the perfect-foresight bound (benchctl.figures.bound) with
phones always waiting in the day; a table, a CSV and a plot."""

from __future__ import annotations

import argparse
import csv
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from benchctl.paths import REPO

OUT = REPO / "build" / "bench" / "energy" / "size"
TOPUP_WH = 10.0  # one phone top-up at the USB port (domain-facts: 10-20 Wh is a full charge)
OFFERED = 20  # top-ups a day that wait at the ports, 09:00-19:00 local time: more than any size gives
_DAY_UTC = range(7, 17)  # 09:00-19:00 in Latvia's winter time (UTC+2)
_BASE_WP = 100  # the winters are made with this panel; the panel's power scales with its size


def winter_hours(seed: int, start: str, days: int):
    from benchctl.figures.bound import Hours
    from benchctl.synth.synth import write

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"winter-{seed}.jsonl.gz"
    write(path, start, days, seed=seed, plant={"panel_wp": _BASE_WP})
    return Hours.of(str(path))


def sized(hours, panel_wp: int, battery_wh: int, heater_w: int, initial_soc: float):
    """The winter on another bench: panel, battery, heater; phones waiting all day."""
    n = len(hours.panel_wh)
    offer = np.zeros(n)
    for h in range(n):
        if h % 24 in _DAY_UTC:
            offer[h] = OFFERED * TOPUP_WH / len(_DAY_UTC)
    plant = {**hours.plant, "panel_wp": panel_wp, "battery_wh": battery_wh, "heater_w": heater_w,
             "initial_soc": initial_soc}
    return replace(hours, panel_wh=hours.panel_wh * panel_wp / _BASE_WP, usb_wh=offer, pad_wh=np.zeros(n),
                   plant=plant)


def _solve(args: tuple[Any, int, int, int, float]) -> dict[str, Any]:
    from benchctl.figures.bound import solve

    hours, panel, battery, heater, soc = args
    o = solve(sized(hours, panel, battery, heater, soc), nq=81, t_step=2.0)
    days = o.hours / 24
    return {"panel_wp": panel, "battery_wh": battery, "heater_w": heater, "dark_days": o.dark_days,
            "brownouts": o.brownouts, "topups_day": o.usb_wh / TOPUP_WH / days}


def size(panels: list[int], batteries: list[int], heaters: list[int], seeds: list[int], start: str, days: int,
         initial_soc: float, workers: int = 2) -> list[dict[str, Any]]:
    with ProcessPoolExecutor(max_workers=workers) as pool:
        winters = list(pool.map(winter_hours, seeds, [start] * len(seeds), [days] * len(seeds)))
        jobs = [(w, p, b, h, initial_soc) for p in panels for b in batteries for h in heaters for w in winters]
        done = list(pool.map(_solve, jobs))
    rows = []
    for i in range(0, len(done), len(winters)):
        runs = done[i:i + len(winters)]
        first = runs[0]
        rows.append({"panel_wp": first["panel_wp"], "battery_wh": first["battery_wh"], "heater_w": first["heater_w"],
                     "winters": len(runs), "winters_dark": sum(1 for r in runs if r["dark_days"]),
                     "dark_days_max": max(r["dark_days"] for r in runs),
                     "brownouts_max": max(r["brownouts"] for r in runs),
                     "topups_day_min": min(r["topups_day"] for r in runs),
                     "topups_day_mean": sum(r["topups_day"] for r in runs) / len(runs)})
    return rows


def table(rows: list[dict[str, Any]]) -> list[list[str]]:
    out = [["panel Wp", "battery Wh", "heater W", "winters dark", "dark days (worst)", "brownouts (worst)",
            "top-ups/day (worst, mean)", "verdict"]]
    for r in rows:
        ok = r["winters_dark"] == 0
        out.append([str(r["panel_wp"]), str(r["battery_wh"]), str(r["heater_w"]),
                    f"{r['winters_dark']} of {r['winters']}", str(r["dark_days_max"]), str(r["brownouts_max"]),
                    f"{r['topups_day_min']:.1f}, {r['topups_day_mean']:.1f}",
                    "reports every day" if ok else "goes dark"])
    return out


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    heaters = sorted({r["heater_w"] for r in rows})
    fig, axes = plt.subplots(1, len(heaters), figsize=(5.5 * len(heaters), 4), sharey=True, squeeze=False)
    for ax, heater in zip(axes[0], heaters, strict=True):
        for panel in sorted({r["panel_wp"] for r in rows}):
            mine = [r for r in rows if r["panel_wp"] == panel and r["heater_w"] == heater]
            xs = [r["battery_wh"] for r in mine]
            ax.plot(xs, [r["topups_day_min"] for r in mine], marker="o", label=f"{panel} Wp")
            dark = [r for r in mine if r["winters_dark"]]
            ax.scatter([r["battery_wh"] for r in dark], [r["topups_day_min"] for r in dark], marker="x", s=80,
                       color="red", zorder=3)
        ax.set_xscale("log")
        ax.set_xlabel("battery, Wh")
        ax.set_title(f"heater {heater} W" if heater else "no heater", fontsize=9)
        ax.legend(fontsize=7)
    axes[0][0].set_ylabel(f"phone top-ups ({TOPUP_WH:.0f} Wh) a day, worst winter")
    fig.suptitle("Smiltene winter, perfect-foresight bound; red x: a winter with dark days", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _ints(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of whole numbers") from None
    if not values or min(values) < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give whole numbers >= 0")
    return values


def main(argv: list[str] | None = None) -> int:
    from benchctl.figures.energy import print_table
    from benchctl.plant.params import check

    p = argparse.ArgumentParser(prog="benchctl size", description=__doc__.split("\n\n")[0])
    p.add_argument("--panels", type=_ints, default=[50, 100, 150, 200], help="panel sizes, Wp (default 50,100,150,200)")
    p.add_argument("--batteries", type=_ints, default=[256, 640, 1280, 2560],
                   help="battery sizes, Wh (default 256,640,1280,2560)")
    p.add_argument("--heaters", type=_ints, default=[0, 10], help="heater powers, W; 0 for none (default 0,10)")
    p.add_argument("--winters", type=int, default=3, help="how many seeded winters (default 3: seeds 101..)")
    p.add_argument("--start-soc", type=float, default=0.8, help="charge on 1 November, 0..1 (default 0.8)")
    p.add_argument("--out", default=str(OUT), help=f"folder for size.csv and size.png (default {OUT.relative_to(REPO)})")
    args = p.parse_args(argv)
    try:
        for panel in args.panels:
            for battery in args.batteries:
                for heater in args.heaters:
                    check({"panel_wp": panel, "battery_wh": battery, "heater_w": heater, "initial_soc": args.start_soc})
        if not 1 <= args.winters <= 50:
            raise ValueError("--winters must be 1..50")
    except ValueError as e:
        print(f"benchctl size: {e}", file=sys.stderr)
        return 2
    seeds = list(range(101, 101 + args.winters))
    rows = size(args.panels, args.batteries, args.heaters, seeds, "2026-11-01T00:00:00Z", 151, args.start_soc)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"benchctl size: Smiltene, 1 November to 31 March, {args.winters} winter(s) (seeds {seeds[0]}.."
          f"{seeds[-1]}), {args.start_soc:.0%} charged on 1 November, phones waiting 09:00-19:00; the "
          "perfect-foresight bound (docs/energy.md)")
    print_table(table(rows))
    with open(out / "size.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    plot(rows, out / "size.png")
    print(f"  table: {out / 'size.csv'}, plot: {out / 'size.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
