"""`benchctl flash` from start to end, for one bench or a row of them: the firmware staged, then
MicroPython checked (installed if need be), the files copied and every SHA-256 verified, the
board restarted and its boot banner checked. Several boards at once, each telling its steps;
the inventory names the benches, a separate secrets file holds their keys."""

from __future__ import annotations

import csv
import json
import tomllib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchctl.flash import banner, install
from benchctl.flash.deploy import FlashError, check, check_secrets, copy, stage, tidy
from benchctl.flash.preflight import (
    PreflightError,
    board_spec,
    check_columns,
    check_config,
    check_fleet_secrets,
    check_image,
    read_config,
)
from benchctl.ports import Claim, PortError
from benchctl.replay.trace import BENCH_ID

# Share of a board's run done when each step starts (the progress bars).
STEPS = {"compiling": 0.0, "micropython": 0.15, "copying": 0.3, "verifying": 0.75, "booting": 0.85, "done": 1.0}


@dataclass
class Row:
    bench: str
    board: str
    port: str
    config: dict | None = None
    secrets: dict | None = None


@dataclass
class Options:
    work: Path  # staging folders, one per bench
    micropython: Path | None = None  # an image to install when the board needs one
    download: bool = False  # else fetch the pinned release with mpflash
    uf2_drive: Path | None = None  # where an RP2040's BOOTSEL drive is mounted
    banner_s: float = 30.0
    remove: tuple[str, ...] = ()  # "config", "secrets": remove the board's when none is given
    frozen: bool = False  # the image has the firmware frozen in (make firmware): copy main.py only


Report = Callable[[Row, str, str], None]  # (row, step, detail)


def read_secrets(path: Path) -> Any:
    """A secrets file, JSON or TOML; PreflightError names the file (never a value)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PreflightError(f"secrets file {path}: no such file") from None
    except OSError as e:
        raise PreflightError(f"secrets file {path}: cannot read it: {e.strerror}") from None
    try:
        return tomllib.loads(raw.decode()) if path.suffix == ".toml" else json.loads(raw)
    except (UnicodeDecodeError, ValueError) as e:
        kind = "TOML" if path.suffix == ".toml" else "JSON"
        where = f" at line {e.lineno}" if isinstance(e, json.JSONDecodeError) else ""
        raise PreflightError(f"secrets file {path}: not {kind}{where}: see docs/examples/ for one that is") from None


def inventory(path: Path, secrets_path: Path | None = None) -> list[Row]:
    """A fleet inventory: CSV with columns bench, board, port and optionally config (a JSON file
    beside it), or TOML with a [[bench]] table per bench (same keys); secrets from a separate
    JSON or TOML file keyed by bench id, with an entry for every bench. Everything is checked
    (preflight.py); PreflightError names the file and line."""
    secrets = read_secrets(secrets_path) if secrets_path is not None else None
    try:
        if path.suffix == ".toml":
            try:
                table = tomllib.loads(path.read_text(encoding="utf-8"))
            except ValueError as e:
                raise PreflightError(f"inventory {path}: not TOML: {e}") from None
            benches = table.get("bench", [])
            if not isinstance(benches, list):
                raise PreflightError(f"inventory {path}: give each bench as a [[bench]] table")
            entries = [(f"[[bench]] {n}", rec) for n, rec in enumerate(benches, 1)]
            for where, rec in entries:
                check_columns(list(rec), f"{path}:{where}")
        else:
            with open(path, newline="", encoding="utf-8") as f:
                reader = csv.DictReader(f)
                check_columns([c.strip() for c in reader.fieldnames or ()], f"{path}:1")
                entries = [(str(n), {(k or "").strip(): v for k, v in rec.items()}) for n, rec in enumerate(reader, 2)]
    except FileNotFoundError:
        raise PreflightError(f"inventory {path}: no such file") from None
    except UnicodeDecodeError:
        raise PreflightError(f"inventory {path}: not UTF-8 text") from None
    except OSError as e:
        raise PreflightError(f"inventory {path}: cannot read it: {e.strerror}") from None
    rows = []
    for where, rec in entries:
        missing = [k for k in ("bench", "board", "port") if not str(rec.get(k) or "").strip()]
        if missing:
            raise PreflightError(f"{path}:{where}: {', '.join(missing)} missing")
        config = None
        if str(rec.get("config") or "").strip():
            config = read_config(path.parent / str(rec["config"]).strip(), f"{path}:{where}: config {rec['config']}")
        bench = str(rec["bench"]).strip()
        rows.append(Row(bench, str(rec["board"]).strip(), str(rec["port"]).strip(), config,
                        secrets.get(bench) if secrets is not None else None))
    if not rows:
        raise PreflightError(f"inventory {path} lists no bench")
    if secrets is not None:
        check_fleet_secrets(secrets, [r.bench for r in rows], secrets_path)
    return rows


def preflight(rows: list[Row], opts: Options, where: str) -> None:
    """Every row checked before any board is touched: board, bench id, configuration, secrets,
    the image, ports and ids given once. PreflightError names the bench and what is wrong."""
    ports = [r.port for r in rows]
    benches = [r.bench for r in rows]
    specs = []
    for row in rows:
        name = f"{where}: bench {row.bench}" if len(rows) > 1 else where
        if not BENCH_ID.match(row.bench):
            raise PreflightError(f"{name}: bench id {row.bench!r} must be 1-32 of A-Z a-z 0-9 _ -")
        if ports.count(row.port) > 1:
            raise PreflightError(f"{name}: {row.port} is listed for more than one bench: one board per port")
        if benches.count(row.bench) > 1:
            raise PreflightError(f"{name}: listed more than once: each bench id once")
        spec = board_spec(row.board)
        specs.append(spec)
        if row.config is not None:
            check_config(row.config, f"{name}: configuration", spec)
        if row.secrets is not None:
            try:
                check_secrets(spec, row.secrets)
            except FlashError as e:
                raise PreflightError(f"{name}: {e}") from None
    check_image(opts.micropython, specs)


def flash_one(row: Row, opts: Options, report: Report | None = None) -> str:
    """Take one board from whatever it has to the verified, booted bench; returns the result
    in a few words, or raises FlashError."""
    say = report or (lambda r, step, detail: None)
    try:
        with Claim(row.port, f"a benchctl flash of {row.bench}"):
            return _flash_claimed(row, opts, say)
    except PortError as e:
        raise FlashError(str(e)) from None


def _flash_claimed(row: Row, opts: Options, say) -> str:
    say(row, "compiling", "")
    staged = opts.work / row.bench
    try:
        files = stage(row.board, row.bench, staged, row.config, row.secrets, opts.frozen)
        try:
            spec = board_spec(row.board)  # checked in preflight; a board.json changed since is this board's failure
        except PreflightError as e:
            raise FlashError(str(e)) from None
        say(row, "micropython", "")
        image = opts.micropython
        if image is None and opts.download and "install" in spec["micropython"]:
            say(row, "micropython", f"downloading {install.PINNED}")
            image = install.download(spec["micropython"], opts.work / "micropython")
        python = install.ensure(row.port, spec, image, opts.uf2_drive, lambda text: say(row, "micropython", text))
        try:
            return _provision(row, opts, say, staged, files, python)
        except FlashError as e:
            # Never leave a bench stopped at the prompt: restart it into what it has, say what came up.
            raise FlashError(f"{e}; {banner.restart_any(row.port, opts.banner_s)}") from None
    finally:
        (staged / "network.json").unlink(missing_ok=True)  # the keys stay on the board, not on the laptop


def _provision(row: Row, opts: Options, say, staged: Path, files: dict[str, str], python: str) -> str:
    removed, kept = tidy(row.port, row.bench, files, opts.remove)
    say(row, "copying", f"{len(files)} files" + (f", {len(removed)} old ones removed" if removed else ""))
    done = copy(row.port, staged, files)
    say(row, "verifying", "")
    check(row.port, files)
    say(row, "booting", "")
    try:
        line = banner.await_banner(row.port, row.bench, banner.firmware_version(), opts.banner_s)
    except banner.BannerError as e:
        raise FlashError(str(e)) from None
    say(row, "done", "")
    gone = f", {len(removed)} removed ({', '.join(removed[:4])}{', ...' if len(removed) > 4 else ''})" if removed else ""
    held = f", kept the board's {' and '.join(kept)}" if kept else ""
    return (f"{python}; {len(files)} files, {done.copied} copied, {done.unchanged} unchanged{gone}{held}, verified; "
            f"booted: {line}")


def flash_fleet(rows: list[Row], opts: Options, report: Report | None = None,
                workers: int = 4) -> list[tuple[Row, str, bool]]:
    """Flash every row, several at a time. Returns (row, result, ok) in the inventory's order."""
    def one(row: Row) -> tuple[Row, str, bool]:
        try:
            return row, flash_one(row, opts, report), True
        except FlashError as e:
            if report is not None:
                report(row, "failed", str(e))
            return row, str(e), False

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, rows))
