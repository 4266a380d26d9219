"""The `benchctl` command: one function per verb, each with its own argument parser."""

from __future__ import annotations

import argparse
import sys

from benchctl.replay import FirmwareFailed, ReplayError, replay


def _duration(seconds: float) -> str:
    s = int(seconds)
    d, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    return (f"{d}d " if d else "") + f"{h:02d}:{m:02d}:{s:02d}"


def describe(summary: dict) -> str:
    """The short human summary replay prints on stdout."""
    r = summary["reports"]
    ports = ", ".join(f"port {k}: {v}" for k, v in summary["charge_sessions_by_port"].items())
    resets = ", ".join(f"{k} {v}" for k, v in summary["resets"].items()) or "none"
    return "\n".join([
        f"bench {summary['bench']} on {summary['board']}, firmware {summary['firmware']}: "
        f"{_duration(summary['duration_s'])} replayed",
        f"  sitting   {summary['sit_sessions']} sessions, {_duration(summary['occupied_s'])} occupied",
        f"  charging  {summary['charge_sessions']} sessions ({ports}), {summary['port_energy_wh']} Wh",
        f"  reports   {r['generated']} made, {r['delivered']} delivered, {r['queued']} queued, "
        f"{r['dropped']} dropped",
        f"  resets    {resets}",
    ])


def do_replay(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="benchctl replay",
                                description="Run the firmware against a trace (trace-v1) with a simulated clock.")
    p.add_argument("trace", help="trace file (.jsonl or .jsonl.gz)")
    p.add_argument("--out", help="folder for console.log, uplinks.jsonl and summary.json")
    p.add_argument("--board", help="board from boards/ (default: the trace's, else esp32-rak3172)")
    p.add_argument("--config", help="JSON file of configuration values over the trace's")
    p.add_argument("--engine", choices=("cpython", "micropython"), default="cpython",
                   help="run the firmware under CPython (default) or the MicroPython unix port")
    p.add_argument("--heapsize", default="256k", help="MicroPython heap (default 256k)")
    p.add_argument("--console", action="store_true", help="also print the bench's console on stdout")
    args = p.parse_args(argv)
    echo = (lambda line: print(line, flush=False)) if args.console else None
    progress = sys.stderr.isatty()
    if progress:
        print(f"replaying {args.trace} ...", file=sys.stderr, end="\r")
    try:
        result = replay(args.trace, args.out, args.board, args.config, args.engine, args.heapsize, echo)
    except ReplayError as e:
        print(f"benchctl replay: {e}", file=sys.stderr)
        return 2
    except FirmwareFailed as e:
        print(f"benchctl replay: firmware failure: {e}", file=sys.stderr)
        return 1
    if args.console:
        print()
    print(describe(result.summary))
    if result.out is not None:
        print(f"  written   {result.out}/console.log ({result.console_lines} lines), uplinks.jsonl, summary.json")
    return 0


COMMANDS = {"replay": do_replay}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        print("usage: benchctl {" + ",".join(COMMANDS) + "} ...\n"
              "  replay   run the firmware against a trace (benchctl replay -h)", file=sys.stderr)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main())
