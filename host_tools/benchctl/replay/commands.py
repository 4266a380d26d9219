"""`benchctl replay` and `benchctl check` on the command line (docs/spec/replay-v1.md, and
docs/spec/expect-v1.md for expectations): one trace or many (`--jobs N`), a summary on stdout,
progress on stderr, and exit 0, 1 (a firmware failure; an expectation not met) or 2 (bad input)."""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from benchctl.replay import ENGINES, FirmwareFailed, ReplayError, replay


def _duration(seconds: float) -> str:
    s = int(seconds)
    d, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    return (f"{d}d " if d else "") + f"{h:02d}:{m:02d}:{s:02d}"


def describe(summary: dict) -> str:
    """The short human summary replay prints on stdout."""
    r = summary["reports"]
    d = summary["downlinks"]
    ports = ", ".join(f"port {k}: {v}" for k, v in summary["charge_sessions_by_port"].items())
    resets = ", ".join(f"{k} {v}" for k, v in summary["resets"].items()) or "none"
    return "\n".join([
        f"bench {summary['bench']} on {summary['board']}, firmware {summary['firmware']}: "
        f"{_duration(summary['duration_s'])} replayed",
        f"  sitting   {summary['sit_sessions']} sessions, {_duration(summary['occupied_s'])} occupied",
        f"  charging  {summary['charge_sessions']} sessions ({ports}), {summary['port_energy_wh']} Wh",
        f"  reports   {r['generated']} made, {r['delivered']} delivered, {r['queued']} queued, "
        f"{r['dropped']} dropped",
        f"  radio     {summary['uplinks']} uplinks, {summary['uplink_bytes']} bytes, {summary['airtime_s']} s on air "
        f"(busiest 24 h {summary['max_airtime_24h_with_joins_s']} s of 30 s with {summary['joins']} join(s))",
        f"  downlinks {d['applied']} applied, {d['rejected']} rejected",
        f"  resets    {resets}",
    ])


class ProgressBar:
    """A one-line bar on stderr (a terminal only): share of the trace read, and trace time."""

    def __init__(self, name: str, width: int = 30):
        self.name, self.width, self.last = name, width, 0.0

    def __call__(self, share: float, t_ms: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.2 and share < 1.0:
            return
        self.last = now
        done = int(share * self.width)
        sys.stderr.write(f"\r{self.name} [{'#' * done}{'.' * (self.width - done)}] {share:4.0%}  "
                         f"t = {_duration(t_ms / 1000)}")
        sys.stderr.flush()

    def clear(self) -> None:
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()


class ProgressLines:
    """Progress for a log, not a terminal (`--progress`): a line on stderr every `every_s` of
    wall time, so that a CI job's long replay shows it is alive."""

    def __init__(self, name: str, every_s: float = 10.0):
        self.name, self.every_s = name, every_s
        self.last = time.monotonic()

    def __call__(self, share: float, t_ms: int) -> None:
        now = time.monotonic()
        if now - self.last < self.every_s:
            return
        self.last = now
        print(f"benchctl replay: {self.name}: {share:.0%} read, trace time {_duration(t_ms / 1000)}",
              file=sys.stderr, flush=True)

    def clear(self) -> None:
        pass


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--board", help="board from boards/ (default: the trace's, else esp32-rak3172)")
    p.add_argument("--config", help="JSON file of configuration values over the trace's")
    p.add_argument("--engine", choices=ENGINES, default="cpython",
                   help="cpython (default), micropython (the MicroPython unix port) or pypy (PyPy's JIT, "
                   "the same bytes, several times faster)")
    p.add_argument("--jobs", type=_jobs, default=1, metavar="N", help="replay N traces at a time (processes)")


def _jobs(text: str) -> int:
    if not re.fullmatch(r"[1-9][0-9]{0,2}", text):
        raise argparse.ArgumentTypeError(f"must be a whole number 1..999, got {text!r}")
    return int(text)


def do_replay(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="benchctl replay",
                                description="Run the firmware against a trace (trace-v1) with a simulated clock.")
    p.add_argument("trace", nargs="+", help="trace file(s) (.jsonl or .jsonl.gz)")
    p.add_argument("--out", help="folder for console.log, uplinks.jsonl and summary.json (with several traces, "
                   "a folder each inside it, named by the trace)")
    _common(p)
    p.add_argument("--expect", metavar="FILE", nargs="?", const="",
                   help="also hold the replay to an expectation (docs/spec/expect-v1.md): FILE, or with no "
                   "FILE the trace's own (NAME.expect.json beside it, or its header's); exit 1 if not met")
    p.add_argument("--heapsize", default="512k", help="MicroPython heap (default 512k: the unix port keeps the code in it too)")
    p.add_argument("--micropython", metavar="PATH", help="the MicroPython unix port for --engine micropython "
                   "(default the installed one; ../shared/tools/micropython-i386 is 32-bit, like the boards)")
    p.add_argument("--pypy", metavar="PATH", help="PyPy for --engine pypy (default pypy3 on PATH)")
    p.add_argument("--console", action="store_true", help="also print the bench's console on stdout")
    shown = p.add_mutually_exclusive_group()
    shown.add_argument("--progress", action="store_true",
                       help="show progress on stderr even when it is not a terminal (a line every 10 s)")
    shown.add_argument("--quiet", action="store_true", help="no progress on stderr, not even on a terminal")
    args = p.parse_args(argv)
    if not re.fullmatch(r"[1-9][0-9]*[kKmM]?", args.heapsize):
        print(f"benchctl replay: --heapsize {args.heapsize!r}: give bytes, or a whole number with k or m "
              "(e.g. 512k)", file=sys.stderr)
        return 2
    for flag, engine in (("micropython", "micropython"), ("pypy", "pypy")):
        if getattr(args, flag) and args.engine != engine:
            print(f"benchctl replay: --{flag} needs --engine {engine}", file=sys.stderr)
            return 2
    if len(args.trace) > 1 or args.expect is not None:
        if args.console or args.micropython or args.pypy or args.heapsize != "512k":
            print("benchctl replay: --console, --heapsize, --micropython and --pypy are for one trace without "
                  "--expect", file=sys.stderr)
            return 2
        return _many(args.trace, args, checking=args.expect is not None, expect=args.expect or None, update=False,
                     prog="benchctl replay")
    trace = args.trace[0]
    echo = (lambda line: print(line, flush=False)) if args.console else None
    bar: ProgressBar | ProgressLines | None = None
    if not args.quiet and sys.stderr.isatty() and not args.console:
        bar = ProgressBar(trace)
    elif args.progress:
        bar = ProgressLines(trace)
    try:
        result = replay(trace, args.out, args.board, args.config, args.engine, args.heapsize, echo,
                        progress=bar, micropython=args.micropython, pypy=args.pypy)
    except ReplayError as e:
        print(f"benchctl replay: {e}", file=sys.stderr)
        return 2
    except FirmwareFailed as e:
        print(f"benchctl replay: firmware failure: {e}", file=sys.stderr)
        return 1
    finally:
        if bar is not None:
            bar.clear()
    if args.console:
        print()
    print(describe(result.summary))
    if result.out is not None:
        print(f"  written   {result.out}/console.log ({result.console_lines} lines), uplinks.jsonl, summary.json")
    return 0


def do_check(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="benchctl check",
                                description="Replay traces and hold each to its expectation (docs/spec/expect-v1.md):"
                                " exit 0 if all are met, 1 if one is not, 2 for a bad trace or expectation.")
    p.add_argument("trace", nargs="+", help="trace file(s), or folders: every trace in them with an expectation")
    p.add_argument("--expect", metavar="FILE", help="the expectation for a single trace (default: NAME.expect.json "
                   "beside it, else the trace header's \"expect\")")
    p.add_argument("--update", action="store_true",
                   help="write each trace's expectation from its replay instead (after a person has checked it): "
                   "an existing file keeps its keys and tolerances")
    p.add_argument("--out", help="folder for each replay's outputs (a folder each inside it)")
    _common(p)
    args = p.parse_args(argv)
    from benchctl.replay.expect import beside, has_expectation

    traces: list[str] = []
    for given in args.trace:
        path = Path(given)
        if path.is_dir():
            found = sorted(str(t) for t in _traces_in(path) if args.update or has_expectation(t))
            if not found:
                print(f"benchctl check: {given}: no trace with an expectation in it "
                      f"(NAME.expect.json beside NAME.jsonl; write one with --update)", file=sys.stderr)
                return 2
            traces += found
        elif path.exists():
            traces.append(given)
        else:
            print(f"benchctl check: {given}: no such trace or folder", file=sys.stderr)
            return 2
    if args.expect is not None and len(traces) > 1:
        print("benchctl check: --expect names one trace's expectation; with several, each has its own "
              f"({beside(Path(traces[0])).name} beside {Path(traces[0]).name})", file=sys.stderr)
        return 2
    return _many(traces, args, checking=True, expect=args.expect, update=args.update, prog="benchctl check")


def _traces_in(folder: Path) -> list[Path]:
    from benchctl.replay.trace import is_trace_file

    return [t for t in folder.rglob("*") if t.is_file() and is_trace_file(t.name)]


def _many(traces: list[str], args: argparse.Namespace, checking: bool, expect: str | None, update: bool,
          prog: str) -> int:
    from benchctl.replay import many

    several = len(traces) > 1
    jobs = [many.Job(t, checking, expect, args.engine, args.board, args.config,
                     many.out_dir(args.out, t, several), update) for t in traces]
    started = time.monotonic()

    def done(r) -> None:
        print(many.line(r), flush=True)
        for x in (r.diff().splitlines()[1:] if r.misses else r.message.splitlines()[1:]):
            print("  " + x)
        if update and r.status == "ok":
            print("  " + r.message, flush=True)

    results = many.run_all(jobs, args.jobs, done)
    if several:
        print()
        print(many.table(results, time.monotonic() - started))
    worst = many.worst(results)
    if worst == 2 and not several:
        print(f"{prog}: {results[0].message}", file=sys.stderr)
    return worst
