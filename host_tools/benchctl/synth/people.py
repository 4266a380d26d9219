"""People at the bench: when they sit and for how long, by hour and season, and the phones
they charge on its USB ports and wireless pad. Events at whole seconds, seeded."""

from __future__ import annotations

import numpy as np
import pandas as pd

# Arrivals per hour at midday by month (guess: a park bench in a small town), Jan..Dec; the
# day's shape below scales it by hour, with nobody from 22:00 to 06:00.
ARRIVALS = (0.15, 0.15, 0.3, 0.6, 1.0, 1.4, 1.6, 1.5, 0.9, 0.5, 0.2, 0.15)
HOURLY = (0, 0, 0, 0, 0, 0, 0.1, 0.3, 0.5, 0.6, 0.8, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.9, 0.8, 0.6, 0.4, 0.2, 0, 0)
PHONE = (0.15, 0.15, 0.15, 0.2, 0.25, 0.25, 0.25, 0.25, 0.2, 0.15, 0.15, 0.15)  # a sitter charges a phone
QI_SHARE = 0.3  # of those, on the wireless pad when it is fitted


def people(start: pd.Timestamp, days: int, rng: np.random.Generator, ports: int = 3, qi: bool = True):
    """Records ({t, channel: value}) for `sitting`, `portN_demand_a` and `qi_demand_w`."""
    sits: list[tuple[int, int]] = []  # (start s, end s)
    plugs: list[tuple[int, int, str, float]] = []  # (start s, end s, channel, value)
    busy = {f"port{n}_demand_a": 0 for n in range(1, ports + 1)}
    if qi:
        busy["qi_demand_w"] = 0
    for day in range(days):
        date = start + pd.Timedelta(days=day)
        m = date.month - 1
        warm = m in (4, 5, 6, 7, 8)
        for hour in range(24):
            for _ in range(rng.poisson(ARRIVALS[m] * HOURLY[hour])):
                t0 = day * 86400 + hour * 3600 + int(rng.integers(0, 3600))
                minutes = float(np.clip(rng.lognormal(np.log(12 if warm else 6), 0.8), 1, 150))
                t1 = t0 + int(minutes * 60)
                sits.append((t0, t1))
                if rng.random() >= PHONE[m]:
                    continue
                on_pad = qi and rng.random() < QI_SHARE
                free = [c for c in busy if busy[c] <= t0 and (c.startswith("qi") == on_pad)]
                if not free:
                    continue
                channel = free[int(rng.integers(0, len(free)))]
                wh = float(rng.uniform(5, 15))  # a top-up (domain-facts: 10-20 Wh for a full one)
                if channel.startswith("qi"):
                    value = float(rng.choice([5.0, 7.5, 10.0]))
                    end = min(t1, t0 + 30 + int(wh / value * 3600))
                else:
                    value = round(float(rng.uniform(0.8, 2.1)), 2)
                    end = min(t1, t0 + 30 + int(wh / (5 * value) * 3600))
                busy[channel] = end
                plugs.append((t0 + 30, end, channel, value))
    changes: dict[int, dict[str, float]] = {}
    edges: list[tuple[int, int]] = []
    for t0, t1 in sits:
        edges += [(t0, 1), (t1, -1)]
    count = 0
    for t, delta in sorted(edges):
        count += delta
        changes.setdefault(t, {})["sitting"] = count
    for t0, t1, channel, value in plugs:
        changes.setdefault(t0, {})[channel] = value
        changes.setdefault(t1, {})[channel] = 0.0
    return [{"t": t, **changes[t]} for t in sorted(changes)]
