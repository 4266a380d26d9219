"""Writes the bundled day traces from scenarios whose ground truth is known: sittings (PIR
flicker while someone moves, a still sitter only the radar sees), passers-by, phones plugged
for 10-90 minutes, noise on idle ports. Each trace's expectation (NAME.expect.json, which
`benchctl check` and the pytest plugin hold its replay to) comes from the scenario, never from
a replay: the counts it made, and what the firmware must make of the day (`gives`). Run
`python tests/traces/scenario.py` to rewrite them."""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

from benchctl.replay.expect import dumps

HERE = Path(__file__).parent
DAY = 86400
STEP = 10  # a bench recording with `trace on` has a record every sample


@dataclass
class Sitting:
    start: int
    minutes: float
    still: bool = False  # a still sitter: PIR fires on arrival and departure only


@dataclass
class Phone:
    port: int
    start: int
    minutes: float
    amps: float


@dataclass
class Scenario:
    name: str
    start: str
    seed: int
    sun_peak_a: float  # solar current at noon on a clear day
    daylight: tuple[int, int]  # sunrise, sunset (s of day)
    air_c: tuple[float, float]  # night minimum, afternoon maximum
    batt_v: float
    sittings: list[Sitting]
    phones: list[Phone]
    passers: int
    clouds: float = 0.0  # 0 clear .. 1 overcast
    extra: list[dict] = field(default_factory=list)  # events: {"t": .., "console": ..}
    note: str = ""
    config: dict = field(default_factory=dict)
    gives: dict = field(default_factory=dict)  # what the firmware must make of the day, beyond the counts
    why: str = ""  # of `gives`, for the expectation's note


def _at(hh: int, mm: int = 0) -> int:
    return hh * 3600 + mm * 60


def write(sc: Scenario) -> None:
    rng = random.Random(sc.seed)
    events: dict[float, dict] = {}

    def put(t: float, **kv):
        events.setdefault(round(t, 1), {}).update(kv)

    # Occupancy: PIR pulses and radar distance, second by second truth.
    radar = [None] * (DAY + 1)
    for s in sc.sittings:
        end = s.start + int(s.minutes * 60)
        t = s.start
        put(t, pir=1)
        put(t + 3, pir=0)
        while not s.still:
            t += rng.randint(15, 70)  # someone shifting, reaching for a phone: < vacant_after_s
            if t >= end - 5:
                break
            put(t, pir=1)
            put(t + rng.choice((1.5, 2, 3)), pir=0)
        put(end - 4, pir=1)
        put(end - 1, pir=0)
        for sec in range(s.start, end):
            radar[sec] = rng.randint(45, 95)
    busy = [(s.start - 120, s.start + int(s.minutes * 60) + 120) for s in sc.sittings]
    placed = 0
    while placed < sc.passers:
        t = rng.randint(_at(7), _at(22))
        if any(a <= t <= b for a, b in busy):
            continue
        placed += 1
        put(t, pir=1)
        put(t + rng.choice((1, 2, 3.5)), pir=0)  # a walker: one short PIR pulse...
        for sec in range(t, t + rng.randint(4, 14)):
            radar[sec] = rng.randint(190, 420)  # ...and a radar target beyond radar_max_cm
    # Ports: phones, and idle noise below the session threshold.
    port_a = [[0.0] * (DAY // STEP + 1) for _ in range(3)]
    for ph in sc.phones:
        n = int(ph.minutes * 60 / STEP)
        for i in range(n):
            taper = 1.0 if i < n * 0.6 else max(0.15, 1 - (i - n * 0.6) / (n * 0.5))
            port_a[ph.port - 1][ph.start // STEP + i] = round(ph.amps * taper, 3)
    for p in range(3):
        for i in range(len(port_a[p])):
            if port_a[p][i] == 0 and rng.random() < 0.02:
                port_a[p][i] = round(rng.uniform(0.002, 0.035), 3)  # leakage, a cable touched
    # Records on the sample grid; channels only when they change.
    header = {"format": "bench-trace", "version": 1, "bench": f"SM-0{sc.seed % 100:02d}", "board": "esp32-rak3172",
              "start": sc.start, "source": "synthetic", "note": sc.note}
    if sc.config:
        header["config"] = sc.config
    lines = [json.dumps(header, separators=(",", ":"))]
    last: dict = {}
    cloud = 0.0
    for e in sc.extra:
        events.setdefault(float(e["t"]), {}).update({k: v for k, v in e.items() if k != "t"})
    grid = {float(t): {} for t in range(0, DAY + 1, STEP)}
    for t in sorted(set(grid) | set(events)):
        rec: dict = {}
        if t in grid:
            i = int(t) // STEP
            day = (t - sc.daylight[0]) / (sc.daylight[1] - sc.daylight[0])
            sun = math.sin(math.pi * day) if 0 < day < 1 else 0.0
            cloud = min(1.0, max(0.0, cloud + rng.uniform(-0.05, 0.05) + (sc.clouds - cloud) * 0.02))
            solar_a = round(sc.sun_peak_a * sun ** 1.3 * (1 - 0.8 * cloud), 2) if sun > 0 else 0.0
            load = 0.06 + sum(port_a[p][i] for p in range(3)) * 5.0 / 12.8 / 0.9
            daily = math.sin(2 * math.pi * (t - _at(9)) / DAY)
            air = (sc.air_c[0] + sc.air_c[1]) / 2 + daily * (sc.air_c[1] - sc.air_c[0]) / 2
            full = {
                "solar_v": 18.2 if solar_a > 0 else 0.0,
                "solar_a": solar_a,
                "batt_v": round(sc.batt_v + (0.25 if solar_a > 2 else 0.0) - (0.05 if load > 0.3 else 0.0), 2),
                "batt_a": round(solar_a * 0.95 - load, 2),
                "batt_c": round(air + 4.0, 1),
                "air_c": round(air, 1),
                "port1_a": port_a[0][i], "port2_a": port_a[1][i], "port3_a": port_a[2][i],
                "radar_cm": radar[int(t)],
            }
            for k, v in full.items():
                if last.get(k, "unset") != v:
                    rec[k] = v
                    last[k] = v
        rec.update(events.get(t, {}))
        if rec or t == 0 or t == DAY:
            lines.append(json.dumps({"t": t if t != int(t) else int(t), **rec}, separators=(",", ":")))
    (HERE / f"{sc.name}.jsonl").write_text("\n".join(lines) + "\n")
    minutes = [s.minutes for s in sc.sittings]
    expect = {
        "sit_sessions": len(sc.sittings),
        # Occupied time is seen through 10 s samples: within 20 s of the truth per sitting.
        "occupied_s": {"about": round(sum(minutes) * 60), "within": 20 * len(sc.sittings)},
        "charge_sessions_by_port": {str(p): sum(1 for ph in sc.phones if ph.port == p) for p in (1, 2, 3)},
        "reports.dropped": 0,
        "resets": {},
        "faults_seen": [],
        "max_airtime_24h_with_joins_s": {"at_most": 30},
    }
    expect.update(sc.gives)
    note = f"{sc.note}. From tests/traces/scenario.py: {len(sc.sittings)} sittings, {sc.passers} passers-by"
    doc = {"format": "bench-expect", "version": 1, "note": note + (f"; {sc.why}" if sc.why else ""), "expect": expect}
    (HERE / f"{sc.name}.expect.json").write_text(dumps(doc))


SCENARIOS = [
    Scenario(
        name="park-summer-day", start="2026-06-20T00:00:00Z", seed=1, sun_peak_a=5.2,
        daylight=(_at(3, 40), _at(22, 20)), air_c=(11, 24), batt_v=13.25, passers=40, clouds=0.2,
        note="June Saturday in the park: busy, sunny, phones on every port",
        sittings=[Sitting(_at(8, 12), 6), Sitting(_at(9, 30), 25), Sitting(_at(11, 5), 14, still=True),
                  Sitting(_at(12, 40), 48), Sitting(_at(13, 55), 3), Sitting(_at(15, 10), 35),
                  Sitting(_at(16, 45), 90, still=True), Sitting(_at(18, 30), 12), Sitting(_at(19, 20), 22),
                  Sitting(_at(20, 50), 65), Sitting(_at(22, 30), 8)],
        phones=[Phone(1, _at(9, 35), 20, 1.8), Phone(2, _at(12, 45), 42, 2.1), Phone(1, _at(15, 15), 30, 1.2),
                Phone(3, _at(16, 50), 85, 1.6), Phone(2, _at(19, 25), 18, 0.9), Phone(3, _at(20, 55), 55, 2.0)],
        extra=[{"t": _at(23, 50), "console": "status"}, {"t": _at(23, 51), "console": "sessions"},
               {"t": _at(23, 52), "console": "ports"}],
    ),
    Scenario(
        name="park-autumn-rain", start="2026-10-14T00:00:00Z", seed=2, sun_peak_a=1.6,
        daylight=(_at(6, 50), _at(17, 40)), air_c=(5, 9), batt_v=13.1, passers=15, clouds=0.9,
        note="October weekday, rain: few sitters, a technician on the console, a brownout at dawn",
        sittings=[Sitting(_at(10, 20), 4), Sitting(_at(12, 10), 18, still=True), Sitting(_at(14, 40), 10),
                  Sitting(_at(16, 5), 27)],
        phones=[Phone(2, _at(12, 15), 15, 1.4), Phone(1, _at(16, 10), 24, 2.0)],
        extra=[{"t": _at(5, 30), "reset": "brownout"}, {"t": _at(9, 0), "console": "help"},
               {"t": _at(9, 1), "console": "port 7 on"}, {"t": _at(9, 2), "console": "config set radar_max_cm 5"},
               {"t": _at(9, 3), "console": "config set radar_max_cm 160"}, {"t": _at(9, 4), "console": "flibble"},
               {"t": _at(9, 5), "console": "config get radar_max_cm"}],
        gives={"resets": {"brownout": 1}}, why="the brownout at 05:30 restarts it once",
    ),
    Scenario(
        name="park-winter-cold", start="2026-12-21T00:00:00Z", seed=3, sun_peak_a=0.5,
        daylight=(_at(9, 5), _at(15, 35)), air_c=(-14, -8), batt_v=12.95, passers=6, clouds=0.5,
        note="Midwinter cold snap, battery low: the policy sheds the ports, sitters are still counted",
        sittings=[Sitting(_at(11, 0), 7), Sitting(_at(13, 20), 16), Sitting(_at(14, 30), 5, still=True)],
        phones=[Phone(1, _at(13, 25), 12, 1.5)],
        extra=[{"t": _at(23, 0), "console": "status"}],
        gives={"charge_sessions_by_port": {"1": 0, "2": 0, "3": 0}, "port_energy_wh": 0},
        why=("a first boot in midwinter with a low charge read off the flat voltage curve: the budget keeps "
             "the ports for the reserve, so the phone plugged at 13:25 charges nothing"),
    ),
]


def main() -> None:
    for sc in SCENARIOS:
        write(sc)


if __name__ == "__main__":
    main()
