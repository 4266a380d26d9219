"""What a replay must give (docs/spec/expect-v1.md): an expectation beside a trace
(`NAME.expect.json`) or in its header (`"expect"`), read and checked before anything runs,
compared with a replay's summary.json, and written from one (`benchctl check --update`)."""

from __future__ import annotations

import difflib
import json
import math
import re
from dataclasses import dataclass
from json.decoder import scanstring
from pathlib import Path
from typing import Any

from benchctl.codec import RESET_CAUSES

RULE_KEYS = ("about", "within", "at_least", "at_most")
# summary.json's keys (docs/spec/replay-v1.md): a path must start with one of them, and go on
# with one of the named sub-keys (None: any sub-key, as the plant's breakdown has).
SUMMARY: dict[str, tuple[str, ...] | None] = {
    "bench": (), "board": (), "firmware": (), "duration_s": (), "uplinks": (), "uplink_bytes": (), "airtime_s": (),
    "max_airtime_24h_s": (), "gap_requests": (), "joins": (), "join_airtime_s": (),
    "max_airtime_24h_with_joins_s": (), "max_downlinks_24h": (), "max_requested_downlinks_24h": (),
    "reports": ("generated", "delivered", "queued", "dropped"), "sit_sessions": (), "occupied_s": (),
    "charge_sessions": (), "charge_sessions_by_port": tuple(str(n) for n in range(1, 9)), "port_energy_wh": (),
    "resets": tuple(c for c in RESET_CAUSES if c != "power_on"), "downlinks": ("applied", "rejected"),
    "faults_seen": (),
    "energy": ("solar_wh", "load_wh", "min_soc", "brownouts", "telemetry_uptime", "port_service_ratio",
               "cold_charge_s", "slots"),
    "plant": None,
}
FAIR_USE_S = 30  # The Things Network: 30 s of uplink airtime per device per 24 h (domain-facts.md)


class ExpectError(Exception):
    """A bad expectation: exit 2, naming the file and line."""


@dataclass(frozen=True)
class Rule:
    path: str
    line: int
    exact: Any = None  # compared with ==, when no bound below is given
    about: float | None = None
    within: float | None = None  # absolute, or a share of `about` when `relative`
    relative: bool = False
    at_least: float | None = None
    at_most: float | None = None

    def is_exact(self) -> bool:
        return self.about is None and self.at_least is None and self.at_most is None

    def wanted(self) -> str:
        if self.is_exact():
            return json.dumps(self.exact)
        parts = []
        if self.about is not None:
            tol = f"{self.within * 100:g} %" if self.relative else f"{self.within:g}"
            parts.append(f"{self.about:g} ± {tol}")
        if self.at_least is not None:
            parts.append(f"≥ {self.at_least:g}")
        if self.at_most is not None:
            parts.append(f"≤ {self.at_most:g}")
        return ", ".join(parts)

    def met_by(self, got: Any) -> bool:
        if self.is_exact():
            return _same(self.exact, got)
        if not _number(got):
            return False
        if self.about is not None:
            tol = self.within * abs(self.about) if self.relative else self.within
            assert tol is not None
            if abs(got - self.about) > tol + 1e-9 * max(1.0, abs(self.about)):
                return False
        return (self.at_least is None or got >= self.at_least) and (self.at_most is None or got <= self.at_most)


@dataclass(frozen=True)
class Miss:
    path: str
    wanted: str
    got: str


@dataclass(frozen=True)
class Expectation:
    source: str  # where it was read: a file, or "TRACE header"
    rules: tuple[Rule, ...]

    def misses(self, summary: dict[str, Any]) -> list[Miss]:
        out = []
        for rule in self.rules:
            found, got = lookup(summary, rule.path)
            if not found:
                out.append(Miss(rule.path, rule.wanted(), "not in the summary"))
            elif not rule.met_by(got):
                out.append(Miss(rule.path, rule.wanted(), _shown(rule, got)))
        return out


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _same(a: Any, b: Any) -> bool:
    if _number(a) and _number(b):
        return a == b
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return bool(a == b)


def _shown(rule: Rule, got: Any) -> str:
    text = json.dumps(got)
    if rule.about is not None and _number(got) and rule.about:
        text += f" (off by {(got - rule.about) / abs(rule.about) * 100:+.1f} %)"
    elif rule.about is not None and _number(got):
        text += f" (off by {got - rule.about:+g})"
    return text


def lookup(summary: dict[str, Any], path: str) -> tuple[bool, Any]:
    """(found, value) of a dotted path. `resets` lists only the causes that happened: any other
    cause it names (resets.brownout) is a count of 0, as a person reading it means."""
    node: Any = summary
    parts = path.split(".")
    for i, part in enumerate(parts):
        if not isinstance(node, dict) or part not in node:
            if i == 1 and parts[0] == "resets" and isinstance(node, dict) and len(parts) == 2:
                return True, 0
            return False, None
        node = node[part]
    return True, node


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


_SCALAR = re.compile(r'-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?|true|false|null')


def _key_lines(text: str, i: int, path: tuple[str, ...], lines: dict[tuple[str, ...], int]) -> int:
    """Walks valid JSON from `i`, noting the line of every object key by its path."""
    while text[i] in " \t\r\n":
        i += 1
    if text[i] == "{" or text[i] == "[":
        close = "}" if text[i] == "{" else "]"
        i += 1
        n = 0
        while True:
            while text[i] in " \t\r\n,":
                i += 1
            if text[i] == close:
                return i + 1
            key = str(n)
            if close == "}":
                key, i = scanstring(text, i + 1)
                lines.setdefault((*path, key), _line_of(text, i))
                i = text.index(":", i) + 1
            i = _key_lines(text, i, (*path, key), lines)
            n += 1
    if text[i] == '"':
        return scanstring(text, i + 1)[1]
    m = _SCALAR.match(text, i)
    assert m is not None, "walked only after json.loads accepted the text"
    return m.end()


def _no_twice(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for k, v in pairs:
        if k in seen:
            raise ValueError(f"key {k!r} is given twice")
        seen[k] = v
    return seen


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (a number must be finite)")


def parse(text: str, source: str, header: bool = False) -> Expectation:
    """An expectation file's text (or, with `header`, a trace header's line, whose `expect`
    object holds the rules). Raises ExpectError naming `source` and the line."""
    try:
        doc = json.loads(text, object_pairs_hook=_no_twice, parse_constant=_no_constant)
    except ValueError as e:
        where = f":{e.lineno}" if isinstance(e, json.JSONDecodeError) else ""
        raise ExpectError(f"{source}{where}: not an expectation: {e}") from None
    lines: dict[tuple[str, ...], int] = {}
    _key_lines(text, 0, (), lines)
    if not isinstance(doc, dict):
        raise ExpectError(f"{source}:1: must hold one JSON object")
    if not header:
        if doc.get("format") != "bench-expect":
            raise ExpectError(f'{source}:1: "format" must be "bench-expect", got {json.dumps(doc.get("format"))}')
        version = doc.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ExpectError(f"{source}:{lines.get(('version',), 1)}: \"version\" must be 1")
        if version > 1:
            raise ExpectError(f"{source}:{lines[('version',)]}: expectation version {version} is newer than this "
                              "benchctl reads (1): update benchctl")
        for key in doc:
            if key not in ("format", "version", "note", "expect"):
                raise ExpectError(f"{source}:{lines[(key,)]}: unknown key {key!r} (the rules go in \"expect\")")
    body = doc.get("expect")
    if not isinstance(body, dict):
        raise ExpectError(f"{source}:{lines.get(('expect',), 1)}: \"expect\" must be an object of summary.json "
                          "paths and what each must be")
    rules = tuple(_rule(path, body[path], source, lines[("expect", path)]) for path in body)
    return Expectation(source, rules)


def _rule(path: str, value: Any, source: str, line: int) -> Rule:
    where = f"{source}:{line}: {path}"
    parts = path.split(".")
    top = parts[0]
    if top not in SUMMARY:
        near = difflib.get_close_matches(top, SUMMARY, n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise ExpectError(f"{where}: summary.json has no key {top!r}{hint}")
    subs = SUMMARY[top]
    if subs is not None and len(parts) > 1:
        if not subs:
            raise ExpectError(f"{where}: {top} has no parts to name with a dot")
        if parts[1] not in subs or len(parts) > 2:
            raise ExpectError(f"{where}: {top} has only {', '.join(subs)}")
    if isinstance(value, dict) and value and any(k in RULE_KEYS for k in value):
        return _bounds(path, value, where, line)
    return Rule(path, line, exact=value)


def _bounds(path: str, value: dict[str, Any], where: str, line: int) -> Rule:
    odd = [k for k in value if k not in RULE_KEYS]
    if odd:
        raise ExpectError(f"{where}: a rule has only {', '.join(RULE_KEYS)}; not {', '.join(odd)}")
    nums: dict[str, float] = {}
    for k in ("about", "at_least", "at_most"):
        if k in value:
            if not _number(value[k]) or not math.isfinite(value[k]):
                raise ExpectError(f"{where}: {k} must be a number, got {json.dumps(value[k])}")
            nums[k] = value[k]
    if ("about" in value) != ("within" in value):
        raise ExpectError(f"{where}: about and within go together (e.g. {{\"about\": 29.7, \"within\": \"2%\"}})")
    within, relative = None, False
    if "within" in value:
        w = value["within"]
        if isinstance(w, str) and re.fullmatch(r"\d+(\.\d+)?%", w.strip()):
            within, relative = float(w.strip()[:-1]) / 100, True
        elif _number(w) and math.isfinite(w) and w >= 0:
            within = float(w)
        else:
            raise ExpectError(f"{where}: within must be a number ≥ 0 or a share such as \"2%\", got {json.dumps(w)}")
    if "at_least" in nums and "at_most" in nums and nums["at_least"] > nums["at_most"]:
        raise ExpectError(f"{where}: at_least ({nums['at_least']:g}) is above at_most ({nums['at_most']:g})")
    return Rule(path, line, about=nums.get("about"), within=within, relative=relative,
                at_least=nums.get("at_least"), at_most=nums.get("at_most"))


def dumps(doc: dict[str, Any]) -> str:
    """An expectation document as a person reads and edits it: a line for each rule."""
    head = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in doc.items() if k != "expect")
    rules = ",\n".join(f"    {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in doc["expect"].items())
    return "{\n" + head + ',\n  "expect": {\n' + rules + ("\n" if rules else "") + "  }\n}\n"


def beside(trace: Path) -> Path:
    """Where a trace's expectation file lives: NAME.expect.json for NAME.jsonl(.gz)."""
    from benchctl.replay.trace import trace_stem

    return trace.with_name(trace_stem(trace.name) + ".expect.json")


def _in_header(trace: Path) -> tuple[int, Any] | None:
    """(header line, its "expect" value) when the trace's header carries one; None if it has
    none, or the header itself is bad (the replay then says what is wrong with the trace)."""
    from benchctl.replay.trace import Trace, TraceError

    try:
        head = Trace(str(trace))
    except TraceError:
        return None
    try:
        if "expect" not in head.header.extra:
            return None
        return head.header.line, head.header.extra["expect"]
    finally:
        head.close()


def has_expectation(trace: Path) -> bool:
    """Whether a trace has an expectation of its own (a file beside it, or its header's)."""
    return beside(trace).exists() or _in_header(trace) is not None


def find(trace: Path, given: Path | None = None) -> Expectation | None:
    """The trace's expectation: `given` (--expect), else the file beside it, else its header's
    `expect`; None when it has none."""
    path = given if given is not None else beside(trace)
    if path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise ExpectError(f"{path}: cannot read it: {e}") from None
        return parse(text, str(path))
    if given is not None:
        raise ExpectError(f"{given}: no such expectation file")
    found = _in_header(trace)
    if found is None:
        return None
    line, rules = found
    try:
        return parse(json.dumps({"expect": rules}, indent=0), f"{trace}:{line} (header)", header=True)
    except ExpectError as e:
        # The rules were re-written as JSON to be read: their lines are not the trace's.
        raise ExpectError(re.sub(r"\(header\):\d+:", "(header):", str(e))) from None
