"""A board's manifest (`boards/<board>/manifest.py`): exactly the files that board runs, in
MicroPython's own manifest format, so that the same file can freeze them into an image
(MicroPython's `tools/manifestfile.py`). `benchctl flash` and the replay's bytecode deploy
from it.

This reads the part of the format the project's manifests use — `metadata()`, `include()`,
`module()` and `package(..., files=...)`, paths relative to the manifest's own folder as
MicroPython resolves them — and refuses anything else by name and line, so a manifest that
reads here also freezes there."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from benchctl.paths import BOARDS


class ManifestError(Exception):
    """Names the manifest, its line, and what to write instead."""


@dataclass
class Manifest:
    board: str
    files: dict[str, Path] = field(default_factory=dict)  # path on the board (bench/x.py) -> source
    description: str = ""

    def modules(self) -> set[str]:
        """Dotted names of the Python modules listed (bench.battery, main, ...)."""
        out = set()
        for target in self.files:
            name = target[:-3].replace("/", ".")
            out.add(name[: -len(".__init__")] if name.endswith(".__init__") else name)
        return out


_CALLS = ("metadata", "include", "module", "package")


def _literal(node: ast.expr, where: str):
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise ManifestError(f"{where}: arguments must be written out (strings, tuples of strings), "
                            "not computed") from None


def _read(path: Path, into: Manifest, seen: tuple[Path, ...]) -> None:
    if path in seen:
        raise ManifestError(f"{path}: includes itself (through {' -> '.join(p.name for p in seen)})")
    if not path.is_file():
        raise ManifestError(f"{path}: no such manifest")
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    except SyntaxError as e:
        raise ManifestError(f"{path}:{e.lineno}: not Python: {e.msg}") from None
    here = path.parent
    for stmt in tree.body:
        where = f"{path}:{stmt.lineno}"
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # a docstring
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in _CALLS):
            raise ManifestError(f"{where}: a board manifest holds only {', '.join(c + '()' for c in _CALLS)} calls")
        name = call.func.id
        args = [_literal(a, where) for a in call.args]
        kwargs = {k.arg: _literal(k.value, where) for k in call.keywords if k.arg is not None}
        try:
            _apply(name, args, kwargs, here, into, (*seen, path), where)
        except TypeError as e:
            raise ManifestError(f"{where}: {name}(): {e}") from None


def _base(kwargs: dict, here: Path, where: str) -> Path:
    base = kwargs.pop("base_path", ".")
    if not isinstance(base, str) or "$(" in base:
        raise ManifestError(f"{where}: base_path must be a folder relative to the manifest")
    return (here / base).resolve()


def _add(into: Manifest, target: str, source: Path, where: str) -> None:
    if not source.is_file():
        raise ManifestError(f"{where}: {source} does not exist")
    if target in into.files and into.files[target] != source:
        raise ManifestError(f"{where}: {target} is listed twice, from {into.files[target]} and {source}")
    into.files[target] = source


def _apply(name: str, args: list, kwargs: dict, here: Path, into: Manifest, seen: tuple[Path, ...], where: str):
    if name == "metadata":
        into.description = str(kwargs.get("description", into.description))
    elif name == "include":
        (manifest,) = args
        target = (here / manifest).resolve()
        _read(target / "manifest.py" if target.is_dir() else target, into, seen)
    elif name == "module":
        (module,) = args
        base = _base(kwargs, here, where)
        _add(into, module, base / module, where)
    else:  # package
        (package,) = args
        base = _base(kwargs, here, where)
        files = kwargs.pop("files", None)
        if files is None:
            raise ManifestError(f"{where}: package({package!r}) must list its files=(...): a board carries only "
                                "the modules it runs")
        for f in files:
            _add(into, f"{package}/{f}", base / package / f, where)


def read(board: str) -> Manifest:
    """The board's manifest, read and checked: every file it names exists."""
    path = BOARDS / board / "manifest.py"
    if not path.is_file():
        known = ", ".join(sorted(p.parent.name for p in BOARDS.glob("*/manifest.py")))
        raise ManifestError(f"board {board!r} has no manifest ({path}); boards with one: {known}")
    into = Manifest(board)
    _read(path, into, ())
    return into
