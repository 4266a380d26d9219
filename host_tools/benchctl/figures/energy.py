"""The energy benchmark (`make bench`, docs/energy.md): replays the bundled synthetic December
and year with the firmware's energy policy and two reference policies, beside an upper bound,
prints a table and draws PNG plots. Figures, never a pass/fail test."""

from __future__ import annotations

import csv
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from benchctl.paths import REPO

SYNTHETIC = REPO / "tests" / "traces" / "synthetic"
OUT = REPO / "build" / "bench" / "energy"
# Reference policies are the same firmware with other thresholds (docs/configuration.md).
POLICIES: dict[str, dict[str, int]] = {
    "firmware": {},
    "ports always on": {"energy_policy": "ladder", "shed_qi_pct": 0, "shed_usb_pct": 0, "slow_report_pct": 0,
                        "survival_pct": 0, "cold_shift_pct": 0},
    "fixed 50 % cut-off": {"energy_policy": "ladder", "shed_qi_pct": 50, "shed_usb_pct": 50, "cold_shift_pct": 0,
                           "hysteresis_pct": 1},
}
GOALS = "goals: 0 brownouts, 100 % telemetry, 0 s charging below 0 C, port energy >= 90 % of the upper bound"


def _run(args: tuple[str, str, dict[str, int]]) -> dict[str, Any]:
    from benchctl.replay import replay

    trace, name, config = args
    out = OUT / Path(trace).name.split(".")[0] / name.replace(" ", "-").replace("%", "pct")
    out.mkdir(parents=True, exist_ok=True)
    cfg = out / "config.json"
    cfg.write_text(json.dumps(config))
    summary = replay(trace, str(out), config_file=str(cfg)).summary
    return {"policy": name, "summary": summary, "out": str(out)}


def upper_bound_wh(trace: str, summary: dict[str, Any]) -> float:
    """The most port energy the harvest could have delivered with the controller kept alive:
    everything the panel could give (through the controller) plus the battery's charge at
    the start, less what the electronics needed, through the USB converter — and never more
    than the devices asked for. Loose on purpose: it ignores when the sun shone and when the
    phones came, and that a cold battery cannot store."""
    from benchctl.plant import params
    from benchctl.replay.trace import Trace

    t = Trace(trace)
    p = params.check(t.header.plant or {})
    t.close()
    plant = summary["plant"]
    energy = plant["available_wh"] + p["initial_soc"] * p["battery_wh"] - plant["electronics_wh"]
    return max(0.0, min(plant["demand_wh"], energy * p["usb_eff"]))


def row(result: dict[str, Any], bound: float) -> list[str]:
    e = result["summary"]["energy"]
    port = result["summary"]["plant"]["port_wh"]
    return [result["policy"], str(e["brownouts"]), f"{e['telemetry_uptime']:.1%}", f"{e['port_service_ratio']:.1%}",
            f"{port:.1f} Wh = {port / bound:.0%}" if bound else "-", f"{e['min_soc']:.1%}", f"{e['cold_charge_s']}"]


def plot(results: list[dict[str, Any]], title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(4, 1, figsize=(11, 10), sharex=True)
    for result in results:
        with open(Path(result["out"]) / "plant.csv") as f:
            rows = list(csv.DictReader(f))
        days = [int(r["t_s"]) / 86400 for r in rows]
        axes[0].plot(days, [100 * float(r["soc"]) for r in rows], label=result["policy"], lw=1)
        axes[3].plot(days, [int(r["ports_on"]) for r in rows], label=result["policy"], lw=0.8)
        if result["policy"] == "firmware":
            solar = [float(r["solar_wh"]) for r in rows]
            load = [float(r["load_wh"]) for r in rows]
            axes[1].plot(days, [b - a for a, b in zip([0.0, *solar], solar)], lw=0.6, color="orange")
            axes[2].plot(days, [b - a for a, b in zip([0.0, *load], load)], lw=0.6, color="purple")
    axes[0].set_ylabel("state of charge, %")
    axes[0].legend(loc="lower left", fontsize=8)
    axes[1].set_ylabel("harvest, Wh per h")
    axes[2].set_ylabel("load, Wh per h")
    axes[3].set_ylabel("ports on")
    axes[3].set_xlabel("day")
    axes[0].set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def stress_trace() -> str:
    """The bundled December's weather and people with a quarter of the battery, half full:
    a bench sized too small, where the policies have to choose."""
    from benchctl.synth.synth import write

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "smiltene-december-320wh.jsonl.gz"
    write(path, "2026-12-01T00:00:00Z", 31, seed=1, plant={"battery_wh": 320, "initial_soc": 0.5})
    return str(path)


def print_table(table: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for r in table:
        print("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def bench(traces: list[str] | None = None, workers: int = 2) -> list[dict[str, Any]]:
    OUT.mkdir(parents=True, exist_ok=True)
    traces = traces or [str(SYNTHETIC / "smiltene-december.jsonl.gz"), stress_trace(),
                        str(SYNTHETIC / "smiltene-year.jsonl.gz")]
    jobs = [(t, name, config) for t in traces for name, config in POLICIES.items()]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        done = list(pool.map(_run, jobs))
    report = []
    for trace in traces:
        results = [d for d, job in zip(done, jobs, strict=True) if job[0] == trace]
        firmware = results[0]
        bound = upper_bound_wh(trace, firmware["summary"])
        name = Path(trace).name.split(".")[0]
        print(f"energy: {name} ({firmware['summary']['duration_s'] // 86400} days), "
              f"panel gave {firmware['summary']['plant']['available_wh']:.0f} Wh, electronics needed "
              f"{firmware['summary']['plant']['electronics_wh']:.0f} Wh, phones asked "
              f"{firmware['summary']['plant']['demand_wh']:.1f} Wh; upper bound at the ports {bound:.1f} Wh")
        head = ["policy", "brownouts", "telemetry", "port service", "port energy vs bound", "min SoC", "cold charge s"]
        print_table([head, *[row(r, bound) for r in results]])
        png = OUT / f"{name}.png"
        plot(results, f"{name}: state of charge, harvest, load and ports, by policy", png)
        print(f"  plots: {png.relative_to(REPO)}")
        report.append({"trace": name, "bound_wh": bound, "results": results})
    print("  " + GOALS)
    return report


def main() -> int:
    from benchctl.figures import winters

    if sys.argv[1:] == ["winters"]:
        winters.report(winters.run())
        return 0
    bench(sys.argv[1:] or None)
    winters.report(winters.run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
