"""The `benchctl` command: one function per verb, each with its own argument parser."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from benchctl import codec
from benchctl.paths import DEMO_TRACE
from benchctl.replay.commands import ProgressLines, describe, do_check, do_replay  # noqa: F401


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


def _plant_overrides(pairs: list[str]) -> dict[str, float] | str:
    """--plant KEY=VALUE pairs as the header's plant object, checked; or what is wrong."""
    from benchctl.plant.params import PARAMS, check

    known = [spec[0] for spec in PARAMS if spec[0] != "seed"]
    plant: dict[str, float] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or key not in known:
            return f"--plant {pair!r}: give KEY=VALUE with KEY one of {', '.join(known)}"
        try:
            value = float(text)
        except ValueError:
            return f"--plant {pair!r}: {text!r} is not a number"
        plant[key] = int(value) if value.is_integer() else value
    try:
        check(plant)
    except ValueError as e:
        return f"--plant: {e}"
    return plant


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
    p.add_argument("--plant", action="append", default=[], metavar="KEY=VALUE",
                   help="a plant parameter for the header, e.g. battery_wh=256 (docs/plant.md; repeat for more)")
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
    plant = _plant_overrides(args.plant)
    if isinstance(plant, str):
        print(f"benchctl synth: {plant}", file=sys.stderr)
        return 2
    try:
        import datetime as dt

        dt.date.fromisoformat(args.start)
    except ValueError:
        print(f"benchctl synth: --start {args.start!r} is not a date (YYYY-MM-DD)", file=sys.stderr)
        return 2
    if not Path(args.out).parent.is_dir():
        print(f"benchctl synth: {args.out}: no such folder {str(Path(args.out).parent)!r}", file=sys.stderr)
        return 2
    try:
        path = write(args.out, args.start + "T00:00:00Z", args.days, args.seed, args.site, args.board,
                     step_s=args.step, plant=plant)
    except OSError as e:
        print(f"benchctl synth: {args.out}: cannot write it: {e.strerror}", file=sys.stderr)
        return 2
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
    p.add_argument("--quiet", action="store_true", help="do not echo TRACE lines (they still go into --record)")
    p.add_argument("--wait", action="store_true", help="wait for a port that is not there yet (else exit 2)")
    args = p.parse_args(argv)
    from datetime import UTC, datetime

    from benchctl.console import Console, Recorder, run

    if args.record:
        folder = Path(args.record).parent
        if not folder.is_dir() or not os.access(folder, os.W_OK) or Path(args.record).is_dir():
            print(f"benchctl console: --record {args.record}: cannot write there (no such folder, or not "
                  "writable)", file=sys.stderr)
            return 2
    recorder = Recorder(args.record, lambda: datetime.now(UTC)) if args.record else None
    colour = args.colour == "always" or (args.colour == "auto" and sys.stdout.isatty())
    console = Console(sys.stdout, args.level, args.topic, args.timestamps, colour, recorder, show_trace=not args.quiet)
    code = run(args.port, console, args.baud, args.send, args.seconds, stdin=sys.stdin if sys.stdin.isatty() else None,
               wait=args.wait)
    if recorder is not None:
        print(f"benchctl console: {recorder.records} trace records in {args.record}"
              + (f" ({recorder.skipped} TRACE lines refused: not valid trace-v1 records)" if recorder.skipped else ""),
              file=sys.stderr)
    return code


def do_flash(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="benchctl flash",
                                description="Take a board from blank to a provisioned, verified, booted bench.")
    p.add_argument("port", nargs="?", help="the board's serial port, as mpremote takes it (/dev/ttyUSB0, /dev/ttyACM0)")
    p.add_argument("--board", help="board name from boards/ (esp32-rak3172, rp2040-rak3172, esp32-wifi, virtual)")
    p.add_argument("--bench", help="the bench's id, e.g. SM-042")
    p.add_argument("--config", help="a JSON file of configuration values for this bench")
    p.add_argument("--secrets", help="LoRaWAN keys or Wi-Fi and broker settings, never printed: JSON for one bench; "
                                     "JSON or TOML keyed by bench id with --inventory")
    p.add_argument("--inventory", help="benches to flash at once: CSV (bench,board,port[,config]) or TOML")
    p.add_argument("--micropython", metavar="IMAGE", help="MicroPython image (.bin for ESP32, .uf2 for RP2040) to "
                                                          "install when a board has none or another version")
    p.add_argument("--download", action="store_true", help="download the pinned MicroPython with mpflash instead")
    p.add_argument("--frozen", action="store_true", help="the image has the firmware frozen in (make firmware "
                                                         "BOARD=...): copy main.py and the bench's files only")
    p.add_argument("--uf2-drive", metavar="DIR", help="where the RP2040's BOOTSEL drive is mounted (else searched)")
    p.add_argument("--remove", action="append", choices=("config", "secrets"),
                   help="remove the board's config.json or network.json when no new one is given (else kept); "
                        "repeat for both")
    args = p.parse_args(argv)
    from benchctl.flash.fleet import Options, Row, flash_fleet, inventory, preflight, read_secrets
    from benchctl.flash.preflight import PreflightError, read_config
    from benchctl.flash.view import FlashView
    from benchctl.paths import REPO

    opts = Options(REPO / "build" / "flash", Path(args.micropython) if args.micropython else None, args.download,
                   Path(args.uf2_drive) if args.uf2_drive else None, remove=tuple(args.remove or ()),
                   frozen=args.frozen)
    # Everything is checked before any board is touched (fleet.preflight): a bad input exits 2.
    try:
        if args.inventory:
            if args.port or args.board or args.bench or args.config:
                raise PreflightError("--inventory names each bench's port, board and config: give them there, "
                                     "not as options")
            rows = inventory(Path(args.inventory), Path(args.secrets) if args.secrets else None)
            where = f"--inventory {args.inventory}"
        elif args.port and args.board and args.bench:
            config = read_config(Path(args.config)) if args.config else None
            secrets = read_secrets(Path(args.secrets)) if args.secrets else None
            rows = [Row(args.bench, args.board, args.port, config, secrets)]
            where = f"{args.bench} ({args.board} on {args.port})"
        else:
            raise PreflightError("give PORT --board NAME --bench ID, or --inventory FILE")
        preflight(rows, opts, where)
    except PreflightError as e:
        print(f"benchctl flash: {e}", file=sys.stderr)
        return 2
    view = FlashView(rows, sys.stdout, sys.stdout.isatty())
    results = flash_fleet(rows, opts, view)
    if len(results) == 1:
        row, text, ok = results[0]
        if ok:
            print(f"{row.bench} on {row.port} ({row.board}): {text}")
        else:
            print(f"benchctl flash: {row.bench}: {text}", file=sys.stderr)
        return 0 if ok else 1
    view.table(results)
    return 1 if any(not ok for _, _, ok in results) else 0


def do_virtual(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="benchctl virtual",
                                description="A virtual bench board: MicroPython's unix port on a pseudo-terminal; "
                                            "flash it with --board virtual, then its console is a bench's console.")
    p.add_argument("folder", help="the board's flash: a folder of its own (made if missing)")
    p.add_argument("--trace", default=str(DEMO_TRACE), help="what its sensors read (default: the bundled June day in the park)")
    p.add_argument("--speed", type=int, default=1, help="trace time per real time, a whole number (default 1)")
    p.add_argument("--socket", type=int, metavar="TCP_PORT", help="also serve the console at socket://localhost:PORT")
    p.add_argument("--seconds", type=float, help="stop after this long (default: until Ctrl-C)")
    p.add_argument("--link", metavar="PATH", help="also reach the board at PATH, a symlink to its pseudo-terminal "
                                                  "(a name an inventory can use before the board starts)")
    args = p.parse_args(argv)
    from benchctl.replay import ReplayError
    from benchctl.replay.trace import TraceError
    from benchctl.virtual.board import VirtualBoard
    from benchctl.virtual.surroundings import prepare

    folder = Path(args.folder)
    try:
        prepare(folder / "surroundings", args.trace, args.speed)
    except (TraceError, ReplayError, ValueError) as e:
        print(f"benchctl virtual: {e}", file=sys.stderr)
        return 2
    link = Path(args.link) if args.link else None
    if link is not None and ((link.exists() and not link.is_symlink()) or not link.parent.is_dir()):
        print(f"benchctl virtual: --link {link}: {'is a file, not a link' if link.exists() else 'no such folder'}",
              file=sys.stderr)
        return 2
    board = VirtualBoard(folder / "flash", folder / "surroundings", tcp_port=args.socket)
    board.start()
    if link is not None:
        link.unlink(missing_ok=True)  # a link left by a board that was stopped hard
        link.symlink_to(board.device)
    name = str(link) if link is not None else board.device
    print(f"virtual board on {board.device}" + (f" (also {link})" if link is not None else "")
          + (f" and socket://localhost:{args.socket}" if args.socket else "")
          + f" (flash: {board.root}); `benchctl flash {name} --board virtual --bench ID` puts a bench on "
          "it. Ctrl-C stops it.", flush=True)
    try:
        if args.seconds is not None:
            time.sleep(args.seconds)
        else:
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        board.stop()
        if link is not None and link.is_symlink():
            link.unlink()
    return 0


def do_size(argv: list[str]) -> int:
    from benchctl.figures.size import main as size

    return size(argv)


COMMANDS = {"replay": do_replay, "check": do_check, "decode": do_decode, "synth": do_synth, "console": do_console, "flash": do_flash,
            "virtual": do_virtual, "size": do_size}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        print("usage: benchctl {" + ",".join(COMMANDS) + "} ...\n"
              "  replay   run the firmware against a trace (benchctl replay -h)\n"
              "  decode   decode an uplink payload (benchctl decode -h)\n"
              "  synth    write a synthetic environment trace (benchctl synth -h)\n"
              "  console  a bench's serial console, with --record for a trace (benchctl console -h)\n"
              "  flash    MicroPython, firmware, id, config and secrets on a board, verified and booted "
              "(benchctl flash -h)\n"
              "  virtual  a virtual bench board on a pseudo-terminal (benchctl virtual -h)\n"
              "  size     panel, battery and heater for a Smiltene winter (benchctl size -h)", file=sys.stderr)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    try:
        return COMMANDS[argv[0]](argv[1:])
    except BrokenPipeError:
        # The reader went away (`benchctl replay --console | head`): not an error of ours, and
        # no traceback. Python's own advice: point stdout at nothing so the exit flush is quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
