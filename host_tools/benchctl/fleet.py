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

from benchctl import banner, install
from benchctl.flash import FlashError, check, copy, stage, tidy
from benchctl.paths import BOARDS

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


Report = Callable[[Row, str, str], None]  # (row, step, detail)


def inventory(path: Path, secrets_path: Path | None = None) -> list[Row]:
    """A fleet inventory: CSV with columns bench, board, port and optionally config (a JSON file
    beside it), or TOML with a [[bench]] table per bench (same keys); secrets from a separate
    JSON or TOML file keyed by bench id."""
    secrets: dict = {}
    if secrets_path is not None:
        try:
            raw = secrets_path.read_bytes()
            secrets = tomllib.loads(raw.decode()) if secrets_path.suffix == ".toml" else json.loads(raw)
        except (OSError, ValueError) as e:
            raise FlashError(f"secrets file {secrets_path}: {e}") from None
    try:
        if path.suffix == ".toml":
            try:
                table = tomllib.loads(path.read_text(encoding="utf-8"))
            except ValueError as e:
                raise FlashError(f"inventory {path}: {e}") from None
            entries = [(f"[[bench]] {n}", rec) for n, rec in enumerate(table.get("bench", []), 1)]
        else:
            with open(path, newline="", encoding="utf-8") as f:
                entries = [(str(n), rec) for n, rec in enumerate(csv.DictReader(f), 2)]
    except OSError as e:
        raise FlashError(f"inventory {path}: {e.strerror}") from None
    rows = []
    for where, rec in entries:
        missing = [k for k in ("bench", "board", "port") if not str(rec.get(k) or "").strip()]
        if missing:
            raise FlashError(f"{path}:{where}: {', '.join(missing)} missing")
        config = None
        if str(rec.get("config") or "").strip():
            try:
                config = json.loads((path.parent / str(rec["config"]).strip()).read_text())
            except (OSError, ValueError) as e:
                raise FlashError(f"{path}:{where}: config {rec['config']}: {e}") from None
        bench = str(rec["bench"]).strip()
        rows.append(Row(bench, str(rec["board"]).strip(), str(rec["port"]).strip(), config, secrets.get(bench)))
    if not rows:
        raise FlashError(f"inventory {path} lists no bench")
    return rows


def flash_one(row: Row, opts: Options, report: Report | None = None) -> str:
    """Take one board from whatever it has to the verified, booted bench; returns the result
    in a few words, or raises FlashError."""
    say = report or (lambda r, step, detail: None)
    say(row, "compiling", "")
    staged = opts.work / row.bench
    files = stage(row.board, row.bench, staged, row.config, row.secrets)
    spec = json.loads((BOARDS / row.board / "board.json").read_text())
    say(row, "micropython", "")
    image = opts.micropython
    if image is None and opts.download and "install" in spec["micropython"]:
        say(row, "micropython", f"downloading {install.PINNED}")
        image = install.download(spec["micropython"], opts.work / "micropython")
    python = install.ensure(row.port, spec, image, opts.uf2_drive, lambda text: say(row, "micropython", text))
    removed = tidy(row.port, row.bench, files)
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
    return (f"{python}; {len(files)} files, {done.copied} copied, {done.unchanged} unchanged{gone}, verified; "
            f"booted: {line}")


def flash_fleet(rows: list[Row], opts: Options, report: Report | None = None,
                workers: int = 4) -> list[tuple[Row, str, bool]]:
    """Flash every row, several at a time. Returns (row, result, ok) in the inventory's order."""
    ports = [r.port for r in rows]
    benches = [r.bench for r in rows]

    def one(row: Row) -> tuple[Row, str, bool]:
        try:
            if ports.count(row.port) > 1:
                raise FlashError(f"{row.port} is listed for more than one bench: one board per port")
            if benches.count(row.bench) > 1:
                raise FlashError(f"bench {row.bench} is listed more than once: each bench id once")
            return row, flash_one(row, opts, report), True
        except FlashError as e:
            if report is not None:
                report(row, "failed", str(e))
            return row, str(e), False

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, rows))
