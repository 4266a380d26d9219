"""The `benchctl` command: one function per verb, each with its own argument parser."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

from benchctl import codec
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


def do_replay(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="benchctl replay",
                                description="Run the firmware against a trace (trace-v1) with a simulated clock.")
    p.add_argument("trace", help="trace file (.jsonl or .jsonl.gz)")
    p.add_argument("--out", help="folder for console.log, uplinks.jsonl and summary.json")
    p.add_argument("--board", help="board from boards/ (default: the trace's, else esp32-rak3172)")
    p.add_argument("--config", help="JSON file of configuration values over the trace's")
    p.add_argument("--engine", choices=("cpython", "micropython"), default="cpython",
                   help="run the firmware under CPython (default) or the MicroPython unix port")
    p.add_argument("--heapsize", default="512k", help="MicroPython heap (default 512k: the unix port keeps the code in it too)")
    p.add_argument("--console", action="store_true", help="also print the bench's console on stdout")
    args = p.parse_args(argv)
    echo = (lambda line: print(line, flush=False)) if args.console else None
    bar = ProgressBar(args.trace) if sys.stderr.isatty() and not args.console else None
    try:
        result = replay(args.trace, args.out, args.board, args.config, args.engine, args.heapsize, echo,
                        progress=bar)
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


def do_decode(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="benchctl decode",
                                description="Decode one uplink payload (payload format v1) and print it as JSON.")
    p.add_argument("hex", help="the frame's application payload, in hex")
    p.add_argument("--fport", type=int, default=1, help="LoRaWAN FPort: 1 status (default), 2 events, 3 configuration")
    args = p.parse_args(argv)
    try:
        data = bytes.fromhex(args.hex)
    except ValueError:
        print(f"benchctl decode: {args.hex[:40]!r} is not hex (two digits a byte, e.g. 0ca744...)", file=sys.stderr)
        return 2
    try:
        decoded, warnings = codec.decode(args.fport, data)
    except codec.DecodeError as e:
        print(f"benchctl decode: {e}", file=sys.stderr)
        return 2
    for warning in warnings:
        print(f"benchctl decode: warning: {warning}", file=sys.stderr)
    print(json.dumps(decoded, indent=2))
    return 0


def do_synth(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="benchctl synth",
                                description="Write a synthetic environment trace (closed loop) for a site and a period.")
    p.add_argument("out", help="the trace to write (.jsonl, or .jsonl.gz for gzip)")
    p.add_argument("--start", default="2026-12-01", help="first day, YYYY-MM-DD (UTC; default 2026-12-01)")
    p.add_argument("--days", type=int, default=31, help="how many days (default 31)")
    p.add_argument("--seed", type=int, default=1, help="seed of the weather and the people (default 1)")
    p.add_argument("--site", default="smiltene", help="site (default smiltene: 57.42 N 25.90 E, a flat panel)")
    p.add_argument("--board", default="esp32-rak3172", help="board named in the header")
    p.add_argument("--step", type=int, default=300, help="weather sample every STEP seconds (default 300)")
    args = p.parse_args(argv)
    import re

    from benchctl.synth.synth import SITES, write

    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", args.start):
        print(f"benchctl synth: --start {args.start!r} is not YYYY-MM-DD", file=sys.stderr)
        return 2
    if args.site not in SITES or not 1 <= args.days <= 3660 or not 10 <= args.step <= 3600:
        print(f"benchctl synth: need a known site ({', '.join(SITES)}), 1..3660 days and a 10..3600 s step",
              file=sys.stderr)
        return 2
    path = write(args.out, args.start + "T00:00:00Z", args.days, args.seed, args.site, args.board, step_s=args.step)
    print(f"benchctl synth: {path}: {args.site}, {args.days} day(s) from {args.start}, seed {args.seed}")
    return 0


def do_console(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="benchctl console",
                                description="A bench's serial console: read its log, type commands, record its trace.")
    p.add_argument("port", help="serial port or pyserial URL (/dev/ttyUSB0, socket://host:port, rfc2217://...)")
    p.add_argument("--baud", type=int, default=115200, help="baud rate (default 115200)")
    p.add_argument("--level", default="debug", choices=["debug", "info", "warn", "error"], help="lowest level shown")
    p.add_argument("--topic", help="show only this topic's log lines (ports, lorawan, policy, ...)")
    p.add_argument("--timestamps", action="store_true", help="prefix each line with the host's UTC time")
    p.add_argument("--colour", choices=["auto", "always", "never"], default="auto", help="colour log levels")
    p.add_argument("--send", action="append", default=[], help="a command to type once connected (repeatable)")
    p.add_argument("--record", metavar="FILE", help="write the bench's TRACE lines as a trace-v1 file")
    p.add_argument("--seconds", type=float, help="stop after this long (default: until Ctrl-C)")
    args = p.parse_args(argv)
    from datetime import UTC, datetime

    from benchctl.console import Console, Recorder, run

    recorder = Recorder(args.record, lambda: datetime.now(UTC)) if args.record else None
    colour = args.colour == "always" or (args.colour == "auto" and sys.stdout.isatty())
    console = Console(sys.stdout, args.level, args.topic, args.timestamps, colour, recorder)
    code = run(args.port, console, args.baud, args.send, args.seconds, stdin=sys.stdin if sys.stdin.isatty() else None)
    if recorder is not None:
        print(f"benchctl console: {recorder.records} trace records in {args.record}"
              + (f" ({recorder.skipped} unreadable TRACE lines skipped)" if recorder.skipped else ""), file=sys.stderr)
    return code


def do_flash(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="benchctl flash",
                                description="Put the bench firmware on a board that runs MicroPython, and verify it.")
    p.add_argument("port", nargs="?", help="the board's serial port, as mpremote takes it (/dev/ttyUSB0, /dev/ttyACM0)")
    p.add_argument("--board", help="board name from boards/ (esp32-rak3172, rp2040-rak3172, ...)")
    p.add_argument("--bench", help="the bench's id, e.g. SM-042")
    p.add_argument("--config", help="a JSON file of configuration values for this bench")
    p.add_argument("--secrets", help="Wi-Fi and broker settings, never printed: JSON for one bench; JSON or TOML "
                                     "keyed by bench id with --inventory")
    p.add_argument("--inventory", help="a CSV of benches to flash at once: bench,board,port[,config]")
    args = p.parse_args(argv)
    from benchctl.flash import FlashError, deploy, stage
    from benchctl.paths import REPO

    if args.inventory:
        return _flash_fleet(Path(args.inventory), Path(args.secrets) if args.secrets else None)
    if not (args.port and args.board and args.bench):
        print("benchctl flash: give PORT --board NAME --bench ID, or --inventory FILE", file=sys.stderr)
        return 2

    try:
        config = json.loads(Path(args.config).read_text()) if args.config else None
        secrets = json.loads(Path(args.secrets).read_text()) if args.secrets else None
    except (OSError, ValueError) as e:
        print(f"benchctl flash: {e}", file=sys.stderr)
        return 2
    staged = REPO / "build" / "flash" / args.bench
    try:
        files = stage(args.board, args.bench, staged, config, secrets)
    except FlashError as e:  # a bad --board or --bench
        print(f"benchctl flash: {args.bench}: {e}", file=sys.stderr)
        return 2
    try:
        done = deploy(args.port, staged, files)
    except FlashError as e:
        print(f"benchctl flash: {args.bench}: {e}", file=sys.stderr)
        return 1
    print(f"{args.bench} on {args.port} ({args.board}): {len(files)} files, {done.copied} copied, "
          f"{done.unchanged} unchanged, every SHA-256 verified")
    return 0


def _flash_fleet(path: Path, secrets: Path | None) -> int:
    from benchctl.flash import FlashError, flash_fleet, inventory
    from benchctl.paths import REPO

    try:
        rows = inventory(path, secrets)
    except FlashError as e:
        print(f"benchctl flash: {e}", file=sys.stderr)
        return 2
    lock = threading.Lock()

    def report(row, text):
        with lock:
            print(f"  {row.bench:<12} {row.port:<16} {text}", flush=True)

    results = flash_fleet(rows, REPO / "build" / "flash", report)
    print()
    print(f"  {'bench':<12} {'board':<16} {'port':<16} result")
    for row, text, ok in results:
        print(f"  {row.bench:<12} {row.board:<16} {row.port:<16} {'ok: ' if ok else 'FAILED: '}{text}")
    failed = sum(1 for _, _, ok in results if not ok)
    print(f"  {len(results) - failed} of {len(results)} benches flashed and verified")
    return 1 if failed else 0


COMMANDS = {"replay": do_replay, "decode": do_decode, "synth": do_synth, "console": do_console, "flash": do_flash}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        print("usage: benchctl {" + ",".join(COMMANDS) + "} ...\n"
              "  replay   run the firmware against a trace (benchctl replay -h)\n"
              "  decode   decode an uplink payload (benchctl decode -h)\n"
              "  synth    write a synthetic environment trace (benchctl synth -h)\n"
              "  console  a bench's serial console, with --record for a trace (benchctl console -h)\n"
              "  flash    put the firmware on a board and verify it (benchctl flash -h)", file=sys.stderr)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main())
