"""`benchctl check`: replays a trace and holds its summary to the trace's expectation
(replay/expect.py), with a readable diff when they part; `--update` writes the expectation
from the replay instead, for a recording a person has checked once."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchctl.replay.expect import FAIR_USE_S, Expectation, ExpectError, Miss, beside, dumps, find, lookup

OK, FAILED, ERROR, NO_EXPECTATION = "ok", "failed", "error", "no expectation"
STATUS_EXIT = {OK: 0, FAILED: 1, ERROR: 2, NO_EXPECTATION: 2}

# What --update writes for a trace that has no expectation yet: counts exactly, energies and
# durations within 2 %, shares within 0.02; fair use as a ceiling on a LoRaWAN bench.
_EXACT = ("sit_sessions", "charge_sessions", "charge_sessions_by_port", "reports.generated", "reports.delivered",
          "reports.queued", "reports.dropped", "resets", "downlinks.applied", "downlinks.rejected", "faults_seen",
          "energy.brownouts")
_SHARE = ("occupied_s", "port_energy_wh", "energy.solar_wh", "energy.load_wh", "energy.cold_charge_s")
_NEAR = ("energy.min_soc", "energy.telemetry_uptime", "energy.port_service_ratio")


@dataclass
class Checked:
    """One trace's outcome: its status, the misses, what went wrong (ERROR), timing."""

    trace: str
    status: str
    misses: list[Miss] = field(default_factory=list)
    message: str = ""
    expectation: str = ""
    seconds: float = 0.0
    trace_s: int = 0  # trace time replayed
    summary: dict[str, Any] | None = None

    @property
    def exit(self) -> int:
        return STATUS_EXIT[self.status]

    def diff(self) -> str:
        """The failure as a person reads it: expected, got, and the tolerance in `expected`."""
        if self.message and not self.misses:
            return f"{self.trace}: {self.message}"
        if not self.misses:
            return f"{self.trace}: every expectation met ({self.expectation})"
        width = max(len(m.path) for m in self.misses)
        want = max(len("expected"), *(len(m.wanted) for m in self.misses))
        lines = [f"{self.trace}: {len(self.misses)} expectation(s) not met ({self.expectation})",
                 f"  {'key'.ljust(width)}  {'expected'.ljust(want)}  got"]
        lines += [f"  {m.path.ljust(width)}  {m.wanted.ljust(want)}  {m.got}" for m in self.misses]
        return "\n".join(lines)


def written(summary: dict[str, Any], old: Expectation | None, note: str | None = None) -> dict[str, Any]:
    """The expectation document for `summary`: the old one's keys and tolerances with the values
    now given, else the defaults above."""
    body: dict[str, Any] = {}
    if old is not None:
        for rule in old.rules:
            found, got = lookup(summary, rule.path)
            if not found:
                continue  # no longer in the summary (an open-loop replay has no energy)
            if rule.is_exact():
                body[rule.path] = got
                continue
            rule_doc: dict[str, Any] = {}
            if rule.about is not None:
                rule_doc["about"] = got
                rule_doc["within"] = f"{rule.within * 100:g}%" if rule.relative and rule.within is not None \
                    else rule.within
            if rule.at_least is not None:
                rule_doc["at_least"] = rule.at_least
            if rule.at_most is not None:
                rule_doc["at_most"] = rule.at_most
            body[rule.path] = rule_doc
    else:
        for path in _EXACT + _SHARE + _NEAR:
            found, got = lookup(summary, path)
            if not found:
                continue
            if path in _EXACT:
                body[path] = got
            elif path in _SHARE:
                body[path] = {"about": got, "within": "2%"}
            else:
                body[path] = {"about": got, "within": 0.02}
        if summary.get("airtime_s"):
            body["max_airtime_24h_with_joins_s"] = {"at_most": FAIR_USE_S}
    doc: dict[str, Any] = {"format": "bench-expect", "version": 1}
    if note:
        doc["note"] = note
    doc["expect"] = body
    return doc


def check(trace: str, expect_file: str | None = None, engine: str = "cpython", board: str | None = None,
          config: str | None = None, out: str | None = None, update: bool = False, inline: bool = False) -> Checked:
    """Replay `trace` and check it (or, with `update`, write its expectation file)."""
    from benchctl.replay import FirmwareFailed, ReplayError, replay

    path = Path(trace)
    started = time.monotonic()
    given = Path(expect_file) if expect_file else None
    try:
        expectation = None if update and given is not None and not given.exists() else find(path, given)
    except ExpectError as e:
        return Checked(trace, ERROR, message=str(e))
    if expectation is None and not update:
        return Checked(trace, NO_EXPECTATION, message=f"no expectation: neither {beside(path).name} beside it nor "
                       "\"expect\" in its header (write one with benchctl check --update after checking a replay)")
    try:
        result = replay(trace, out, board, config, engine, inline=inline)
    except ReplayError as e:
        return Checked(trace, ERROR, message=str(e), seconds=time.monotonic() - started)
    except FirmwareFailed as e:  # a red build, as replay-v1's exit 1
        return Checked(trace, FAILED, message=f"firmware failure: {e}", seconds=time.monotonic() - started)
    seconds = time.monotonic() - started
    trace_s = int(result.summary.get("duration_s", 0))
    if update:
        # Always a file (the header's rules, if any, serve as its template): a trace stays as
        # it was recorded.
        target = Path(expect_file) if expect_file else beside(path)
        doc = written(result.summary, expectation)
        target.write_text(dumps(doc), encoding="utf-8")
        return Checked(trace, OK, expectation=str(target), message=f"wrote {target} ({len(doc['expect'])} keys)",
                       seconds=seconds, trace_s=trace_s, summary=result.summary)
    assert expectation is not None
    misses = expectation.misses(result.summary)
    return Checked(trace, FAILED if misses else OK, misses, expectation=expectation.source, seconds=seconds,
                   trace_s=trace_s, summary=result.summary)
