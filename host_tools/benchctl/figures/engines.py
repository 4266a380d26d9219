"""`make bench`'s replay speed (issue 16): a year of 10-second samples on each engine in one
run, as ratios to real time, and a fleet's 40 bench-years with `--jobs 2`. A figure, never a
test: these machines are shared. `python -m benchctl.figures.engines [--fleet N]` alone."""

from __future__ import annotations

import argparse
import sys
import time

from benchctl.figures.benchmarks import DAY_S, build
from benchctl.replay import replay

YEAR_S = 365 * DAY_S
GOALS = {"cpython": 500_000, "pypy": 2_000_000, "micropython": 300_000}
FLEET_GOAL_S = 600  # 40 bench-years in under 10 minutes on 2 cores


def year_on(engine: str) -> tuple[float, dict]:
    trace = build(365, "year.jsonl.gz")
    start = time.perf_counter()
    summary = replay(str(trace), None, engine=engine, heapsize="2m").summary  # fewer collections: 8 % faster
    return time.perf_counter() - start, summary


def fleet(benches: int, jobs: int, engine: str) -> tuple[float, list]:
    """The bundled year replayed `benches` times, `jobs` at a time, as `benchctl check DIR
    --jobs` runs a fleet's recordings."""
    from benchctl.replay.many import Job, run_all

    trace = str(build(365, "year.jsonl.gz"))
    start = time.perf_counter()
    results = run_all([Job(trace, False, engine=engine) for _ in range(benches)], jobs)
    return time.perf_counter() - start, results


def report(benches: int = 40, jobs: int = 2) -> None:
    samples = YEAR_S // 10
    print(f"replay speed: a year of 10-second samples ({samples:,} samples, trace read included), one run each")
    print(f"  {'engine':12} {'wall':>8} {'x real time':>12} {'goal':>11}  same summary as cpython")
    first = None
    for engine in ("cpython", "pypy", "micropython"):
        try:
            wall, summary = year_on(engine)
        except Exception as e:  # an engine missing here is said, never skipped silently
            print(f"  {engine:12} not measured: {e}")
            continue
        first = summary if first is None else first
        print(f"  {engine:12} {wall:7.1f}s {YEAR_S / wall:>12,.0f} {GOALS[engine]:>11,}  "
              f"{'yes' if summary == first else 'NO'}")
    if benches <= 0:
        return
    wall, results = fleet(benches, jobs, "pypy")
    bad = [r for r in results if r.status != "ok"]
    print(f"  {benches} bench-years on pypy, --jobs {jobs}: {wall:.0f} s ({benches * YEAR_S / wall:,.0f}x real time; "
          f"goal under {FLEET_GOAL_S} s)" + (f"; {len(bad)} did not complete: {bad[0].message}" if bad else ""))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchctl.figures.engines")
    p.add_argument("--fleet", type=int, default=40, help="bench-years in the fleet figure (default 40; 0: none)")
    p.add_argument("--jobs", type=int, default=2)
    args = p.parse_args(argv)
    report(args.fleet, args.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
