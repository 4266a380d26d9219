"""Many traces at once (`--jobs N`): replays or checks in a pool of processes, a line for each
as it ends, a table at the end, and the worst exit status of them all."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path

from benchctl.replay.check import ERROR, FAILED, OK, Checked, check


@dataclass(frozen=True)
class Job:
    trace: str
    checking: bool  # check against the expectation, else a plain replay
    expect: str | None = None
    engine: str = "cpython"
    board: str | None = None
    config: str | None = None
    out: str | None = None
    update: bool = False
    inline: bool = False  # the trace read in the replay's own process (replay(inline=))


def run_one(job: Job) -> Checked:
    """One trace, in whichever process the pool gives it (a top-level function: it is pickled)."""
    if job.checking:
        return check(job.trace, job.expect, job.engine, job.board, job.config, job.out, job.update, job.inline)
    from benchctl.replay import FirmwareFailed, ReplayError, replay

    started = time.monotonic()
    try:
        result = replay(job.trace, job.out, job.board, job.config, job.engine, inline=job.inline)
    except ReplayError as e:
        return Checked(job.trace, ERROR, message=str(e), seconds=time.monotonic() - started)
    except FirmwareFailed as e:
        return Checked(job.trace, FAILED, message=f"firmware failure: {e}", seconds=time.monotonic() - started)
    return Checked(job.trace, OK, seconds=time.monotonic() - started,
                   trace_s=int(result.summary.get("duration_s", 0)), summary=result.summary)


def run_all(jobs: list[Job], workers: int, done: Callable[[Checked], None] | None = None) -> list[Checked]:
    """Every job, `workers` at a time; `done` hears each as it ends. Results in the jobs' order."""
    if workers <= 1 or len(jobs) <= 1:
        results = []
        for job in jobs:
            results.append(run_one(job))
            if done is not None:
                done(results[-1])
        return results
    # Every core has a replay of its own: a reader process beside each would only add the
    # pickling of its records (17 % more CPU on a month under PyPy, measured 2026-12-02).
    jobs = [replace(job, inline=True) for job in jobs]
    by_job: dict[int, Checked] = {}
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
        futures = {pool.submit(run_one, job): i for i, job in enumerate(jobs)}
        for future in as_completed(futures):
            i = futures[future]
            try:
                by_job[i] = future.result()
            except Exception as e:  # a worker that died (killed, out of memory): that trace's error
                by_job[i] = Checked(jobs[i].trace, ERROR, message=f"the worker replaying it died: {e!r}")
            if done is not None:
                done(by_job[i])
    return [by_job[i] for i in range(len(jobs))]


def out_dir(out: str | None, trace: str, many: bool) -> str | None:
    """Where one trace's outputs go: --out itself for one trace, --out/NAME for several."""
    from benchctl.replay.trace import trace_stem

    if out is None or not many:
        return out
    return str(Path(out) / trace_stem(Path(trace).name))


def line(r: Checked) -> str:
    """A trace's line as it ends."""
    s = r.summary
    if s is None or (r.status != OK and not r.misses):
        first = r.message.splitlines()[0] if r.message else ""
        return f"{r.status.upper():6} {r.trace}: {first}"
    what = (f"{s['sit_sessions']} sittings, {s['charge_sessions']} charges, {s['port_energy_wh']} Wh, "
            f"reports {s['reports']['delivered']}/{s['reports']['generated']} delivered")
    extra = f"; {len(r.misses)} expectation(s) not met" if r.misses else ""
    return f"{r.status.upper():6} {r.trace}: {what}{extra} ({r.seconds:.1f} s)"


def table(results: list[Checked], wall_s: float) -> str:
    """The closing table: one row a trace, then the totals and the speed of the whole run."""
    names = [Path(r.trace).name for r in results]
    width = max([len("trace"), *(len(n) for n in names)])
    rows = [f"{'trace'.ljust(width)}  {'result':14}  {'trace time':>10}  {'wall':>7}  {'x real time':>11}"]
    for n, r in zip(names, results):
        speed = f"{r.trace_s / r.seconds:,.0f}" if r.seconds > 0 and r.trace_s else "-"
        days = f"{r.trace_s / 86400:.1f} d" if r.trace_s else "-"
        rows.append(f"{n.ljust(width)}  {r.status:14}  {days:>10}  {r.seconds:6.1f}s  {speed:>11}")
    counts = {s: sum(1 for r in results if r.status == s) for s in dict.fromkeys(r.status for r in results)}
    total_s = sum(r.trace_s for r in results)
    rows.append(f"{len(results)} trace(s): " + ", ".join(f"{n} {s}" for s, n in counts.items()) +
                f"; {total_s / 86400 / 365:.2f} bench-years in {wall_s:.1f} s"
                + (f" ({total_s / wall_s:,.0f}x real time)" if wall_s > 0 else ""))
    return "\n".join(rows)


def worst(results: list[Checked]) -> int:
    return max((r.exit for r in results), default=0)
