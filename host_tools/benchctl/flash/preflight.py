"""What `benchctl flash` checks on the host before it touches any board: each bench's
configuration against the firmware's own schema and its rules across keys, the board's
board.json against its schema, the inventory's columns, a secrets entry for every bench that
fits its radio, the MicroPython image. A problem is a PreflightError naming the file, the line
or the key and what to do; nothing has been written when it is raised."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

from benchctl import board_schema
from benchctl.paths import BOARDS, firmware_on_path

COLUMNS = ("bench", "board", "port", "config")  # an inventory's columns (CSV) or keys (TOML)
_SECRET_NAMES = {"deveui", "joineui", "appkey", "ssid", "key", "broker", "port", "user", "password", "tls", "ca"}


class PreflightError(ValueError):
    """A bad input found before anything was written: exit 2."""


def near(word: str, known: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def board_spec(board: str) -> dict[str, Any]:
    """boards/<board>/board.json, checked against its schema."""
    path = BOARDS / board / "board.json"
    known = sorted(p.parent.name for p in BOARDS.glob("*/board.json"))
    if not path.is_file():
        raise PreflightError(f"unknown board {board!r}{near(board, known)}; boards: {', '.join(known)}")
    where = str(path.relative_to(BOARDS.parent))
    try:
        return board_schema.check(json.loads(path.read_text()), where)
    except board_schema.BoardError as e:
        raise PreflightError(str(e)) from None
    except ValueError as e:
        raise PreflightError(f"{where}: not JSON: {e}") from None


def config_problems(config: Any, spec: dict[str, Any] | None = None) -> list[str]:
    """What is wrong with a configuration, by key and across keys; empty when it is good."""
    firmware_on_path()
    from bench import config as schema

    if not isinstance(config, dict):
        return ["a configuration must be one JSON object of keys and values"]
    problems = []
    for key in sorted(config):
        problem = schema.check(key, config[key])
        if problem is not None:
            problems.append(problem + near(key, schema.names()) if problem.startswith("unknown key") else problem)
    if problems:
        return problems
    values = schema.Config().v
    values.update(config)
    problems += conflicts(values, spec)
    return problems


def conflicts(values: dict[str, Any], spec: dict[str, Any] | None = None) -> list[str]:
    """Rules across keys, the firmware's own: a sitting's bounds in order; each current
    monitor's shunt and range within what its chip reads and calibrates (bench.sensors)."""
    firmware_on_path()
    from bench.config import conflict
    from bench.sensors import monitors_fit

    board = spec if spec is not None else {"battery": {"chip": "ina226"}, "solar": {"chip": "ina226"}}
    return [p for p in (conflict(values), monitors_fit(board)(values)) if p is not None]


def check_config(config: Any, where: str, spec: dict[str, Any] | None = None) -> None:
    problems = config_problems(config, spec)
    if problems:
        raise PreflightError(f"{where}: {'; '.join(problems)}")


def read_config(path: Path, where: str | None = None) -> dict[str, Any]:
    """A configuration file: one JSON object."""
    name = where or f"--config {path}"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PreflightError(f"{name}: no such file") from None
    except OSError as e:
        raise PreflightError(f"{name}: cannot read it: {e.strerror}") from None
    except ValueError as e:
        where = f" at line {e.lineno}" if isinstance(e, json.JSONDecodeError) else ""
        raise PreflightError(f"{name}: not JSON{where}; a configuration is one JSON object, see "
                             "docs/examples/config.json") from None
    if not isinstance(data, dict):
        raise PreflightError(f"{name}: must hold one JSON object of keys and values, see docs/examples/config.json")
    return data


def check_columns(names: list[str] | tuple[str, ...], where: str) -> None:
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        raise PreflightError(f"{where}: unknown column(s) {', '.join(repr(n) for n in unknown)}"
                             f"{near(unknown[0], COLUMNS)}; the columns are {', '.join(COLUMNS)}")


def check_fleet_secrets(secrets: Any, benches: list[str], path: Path) -> None:
    """A secrets file for an inventory is keyed by bench id, and names every bench."""
    if not isinstance(secrets, dict):
        raise PreflightError(f"secrets file {path}: must be a table keyed by bench id")
    looks_single = [k for k in secrets if k in _SECRET_NAMES]
    if looks_single:
        raise PreflightError(f"secrets file {path}: holds {', '.join(looks_single)} at the top: that is one bench's "
                             "secrets; with --inventory give a file keyed by bench id (docs/examples/secrets.toml)")
    missing = [b for b in benches if b not in secrets]
    if missing:
        raise PreflightError(f"secrets file {path}: no secrets for {', '.join(missing)}; add a table for each bench "
                             "(flashing them without would leave their old keys, or none, on the board)")


def check_image(image: Path | None, specs: list[dict[str, Any]]) -> None:
    """The MicroPython image exists and suits every board it may go on."""
    if image is None:
        return
    from benchctl.flash import install
    from benchctl.flash.deploy import FlashError

    if not image.is_file():
        raise PreflightError(f"--micropython {image}: no such file")
    for spec in specs:
        if "install" in spec["micropython"]:
            try:
                install.check_image(image, spec["micropython"])
            except FlashError as e:
                raise PreflightError(f"--micropython: {e} (board {spec['name']})") from None
