"""The pytest plugin benchctl ships (entry point `pytest11`, docs/ci.md): `pytest --bench-traces
DIR` makes every trace in DIR with an expectation a test item, named by the trace (and the
engine), which replays it and fails with the expectation's diff. It collects like any test, so
`-n` (pytest-xdist), `-k` and `--junitxml` work as they do for the rest."""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("bench traces", "replay bench traces against their expectations (benchctl check)")
    group.addoption("--bench-traces", action="append", default=[], metavar="DIR",
                    help="a folder of traces: each with an expectation (NAME.expect.json beside it, or its "
                    "header's) is a test; may be given more than once")
    group.addoption("--bench-engine", action="append", default=[], metavar="ENGINE",
                    help="cpython (default), micropython or pypy; more than once, or comma-separated, for "
                    "an item per engine")
    group.addoption("--bench-board", metavar="NAME", help="replay every trace on this board (default: each "
                    "trace's own)")


def _engines(config: pytest.Config) -> list[str]:
    from benchctl.replay import ENGINES

    given = [e.strip() for opt in config.getoption("bench_engine") for e in opt.split(",") if e.strip()]
    for e in given:
        if e not in ENGINES:
            raise pytest.UsageError(f"--bench-engine {e}: one of {', '.join(ENGINES)}")
    return list(dict.fromkeys(given)) or ["cpython"]


def pytest_configure(config: pytest.Config) -> None:
    folders = [Path(d) for d in config.getoption("bench_traces")]
    if not folders:
        return
    for d in folders:
        if not d.is_dir():
            raise pytest.UsageError(f"--bench-traces {d}: no such folder")
    _engines(config)  # a wrong name stops the run before anything is collected
    config.stash[_FOLDERS] = [d.resolve() for d in folders]
    # The folders are collected as if named on the command line; alone (no paths given) they are
    # all that runs, so that `pytest --bench-traces DIR` is the fleet's check and nothing else.
    named = config.args_source == pytest.Config.ArgsSource.ARGS
    args = list(config.args) if named else []
    for d in folders:
        if not any(d.resolve().is_relative_to(Path(a).resolve()) for a in args if Path(a).exists()):
            args.append(str(d))
    config.args[:] = args


_FOLDERS = pytest.StashKey[list]()


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    from benchctl.replay.trace import is_trace_file

    folders = parent.config.stash.get(_FOLDERS, None)
    if not folders or not is_trace_file(file_path.name):
        return None
    if not any(file_path.resolve().is_relative_to(d) for d in folders):
        return None
    from benchctl.replay.expect import has_expectation

    if not has_expectation(file_path):
        return None
    return TraceFile.from_parent(parent, path=file_path)


class TraceFile(pytest.File):
    def collect(self):
        from benchctl.replay.trace import trace_stem

        engines = _engines(self.config)
        name = trace_stem(self.path.name)
        for engine in engines:
            yield TraceItem.from_parent(self, name=name if len(engines) == 1 else f"{name}[{engine}]",
                                        engine=engine)


class TraceFailed(Exception):
    """The trace's replay did not give what its expectation says."""


class TraceItem(pytest.Item):
    def __init__(self, *, engine: str, **kwargs):
        super().__init__(**kwargs)
        self.engine = engine
        self.user_properties.append(("engine", engine))

    def runtest(self) -> None:
        from benchctl.replay.check import OK, check

        result = check(str(self.path), engine=self.engine, board=self.config.getoption("bench_board"))
        self.user_properties.append(("replay_s", f"{result.seconds:.2f}"))
        if result.status != OK:
            raise TraceFailed(result.diff())

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, TraceFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"{self.path.name} [{self.engine}]"
