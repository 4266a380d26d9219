"""What one sample costs, part by part (issue 16): a month of 10-second samples replayed on
CPython once plain (the wall time) and once under cProfile (the shares), each module's own time
then given as microseconds a sample of the plain run. The firmware's part is also the board's
awake time per sample, so it is energy in the park; the simulator's part is the replay's alone.
The trace is read in a second process (replay/tape.py), outside both. A figure for `make bench`,
never a test. `python -m benchctl.figures.per_sample [--top N]` alone."""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections import Counter

from benchctl.figures.benchmarks import DAY_S, build
from benchctl.replay import replay

DAYS = 30


def _part(filename: str) -> str:
    """A profiled function's part: firmware/bench/x.py, drivers/x.py, sim/..., or other."""
    path = filename.replace("\\", "/")
    for marker, name in (("/firmware/", ""), ("/benchctl/sim/", "sim/"), ("/benchctl/plant/", "plant/"),
                         ("/benchctl/", "host/")):
        if marker in path:
            return name + path.split(marker, 1)[1]
    return "python (builtins, library)"


def measure(days: int = DAYS) -> tuple[float, int, Counter, Counter]:
    """(plain wall s, samples, own time by part, calls by part) for `days` days."""
    trace = str(build(days, "month.jsonl.gz" if days == DAYS else f"{days}-days.jsonl.gz"))  # the heap figure's month
    start = time.perf_counter()
    replay(trace, None)
    wall = time.perf_counter() - start
    profile = cProfile.Profile()
    profile.enable()
    replay(trace, None)
    profile.disable()
    own: Counter = Counter()
    calls: Counter = Counter()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    for (filename, _, _), (_, ncalls, tottime, _, _) in stats.items():
        part = _part(filename)
        own[part] += tottime
        calls[part] += ncalls
    return wall, days * DAY_S // 10, own, calls


def report(top: int = 14) -> None:
    wall, samples, own, calls = measure()
    total = sum(own.values())
    us = {part: own[part] / total * wall / samples * 1e6 for part in own}

    def side(prefixes: tuple[str, ...]) -> float:
        return sum(v for p, v in us.items() if p.startswith(prefixes))

    firmware = side(("bench/", "drivers/"))
    sim = side(("sim/", "plant/"))
    print(f"per sample, CPython ({DAYS} days, {samples:,} samples, {wall:.1f} s plain; shares from cProfile)")
    print(f"  {wall / samples * 1e6:6.1f} us a sample: firmware {firmware:.1f} us, simulator and plant {sim:.1f} us, "
          f"python's own {us.get('python (builtins, library)', 0):.1f} us, host {side(('host/',)):.1f} us")
    print(f"  {'us/sample':>9}  {'calls/sample':>12}  module")
    for part, value in sorted(us.items(), key=lambda kv: -kv[1])[:top]:
        print(f"  {value:9.2f}  {calls[part] / samples:12.1f}  {part}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchctl.figures.per_sample")
    p.add_argument("--top", type=int, default=14, help="modules to list (default 14)")
    report(p.parse_args(argv).top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
