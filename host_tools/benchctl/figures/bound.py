"""The perfect-foresight bound (docs/energy.md): what the best possible policy, one that knows
the weather, the temperatures and the phones of a closed-loop trace in advance, achieves on the
same plant. Dynamic programming, hour by hour, over the battery's charge, its temperature and
whether the load output is on; the method and what it simplifies are in docs/energy.md."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from benchctl.plant import battery as model
from benchctl.plant import params as plant_params
from benchctl.plant.panel import panel_mw
from benchctl.replay.trace import Trace

HOUR_MS = 3_600_000
# Lexicographic objective as one sum: an hour dark outweighs any number of brownouts a winter
# can hold, a brownout outweighs all the phone energy of a winter (Wh).
DARK_H = 1e7
BROWNOUT = 1e4
HEAT_TIE = 1e-3  # between equals, the policy that heats less
ACTIONS = ((0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 0, 1), (1, 0, 1), (1, 1, 1))  # (usb, pad, heater)
_OCV_SOC = np.array([s / 1e6 for s, _ in model._OCV])
_OCV_V = np.array([v / 1e3 for _, v in model._OCV])
_USABLE_C = np.array([t / 1e3 for t, _ in model._USABLE])
_USABLE = np.array([u / 1e6 for _, u in model._USABLE])


@dataclass
class Hours:
    """A closed-loop trace hour by hour: what the panel could give through the controller (Wh),
    the mean air temperature (C), what the phones asked at the USB ports (Wh at 5 V) and on the
    pad (Wh), and the seconds someone sat."""

    panel_wh: np.ndarray
    air_c: np.ndarray
    usb_wh: np.ndarray
    pad_wh: np.ndarray
    sitting_s: np.ndarray
    plant: dict[str, Any]
    board: str | None

    @classmethod
    def of(cls, path: str) -> Hours:
        trace = Trace(path)
        p = plant_params.check(trace.header.plant or {})
        sp = plant_params.scaled(p)
        rows: list[list[float]] = []  # per hour: panel mWh, air mC*h, usb mWh, pad mWh, sitting s
        held = {"poa_wm2": 0, "air_c": None, "sitting": 0, "qi_demand_w": 0}
        ports: dict[str, int] = {}
        now = 0

        def add(t_ms: int) -> None:
            nonlocal now
            while now < t_ms:
                hour = now // HOUR_MS
                end = min(t_ms, (hour + 1) * HOUR_MS)
                while len(rows) <= hour:
                    rows.append([0.0, 0.0, 0.0, 0.0, 0.0])
                h = (end - now) / HOUR_MS
                air = held["air_c"] if held["air_c"] is not None else 10000
                row = rows[hour]
                row[0] += panel_mw((held["poa_wm2"] or 0) // 1000, air, sp) * sp["mppt_ppm"] / 1e6 * h
                row[1] += air * h
                row[2] += sum(ports.values()) * 5 / 1000 * h  # uA at 5 V -> mW
                row[3] += (held["qi_demand_w"] or 0) * h
                row[4] += (end - now) / 1000 if held["sitting"] else 0
                now = end

        for t_ms, channels, _ in trace:
            add(t_ms)
            for name, value in (channels or {}).items():
                if name.startswith("port") and name.endswith("_demand_a"):
                    ports[name] = value or 0
                elif name in held:
                    held[name] = value
        a = np.array(rows) if rows else np.zeros((0, 5))
        return cls(a[:, 0] / 1000, a[:, 1] / 1000, a[:, 2] / 1000, a[:, 3] / 1000, a[:, 4], p, trace.header.board)


@dataclass
class Outcome:
    """The bound's figures over the trace, from a forward run of its best policy."""

    hours: int
    dark_h: float
    brownouts: int
    usb_wh: float
    pad_wh: float
    heater_wh: float
    stored_wh: float  # of the panel's energy that charged the battery
    own_wh_day: float
    soc: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))  # hour by hour, 0..1
    temp_c: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    dark: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))  # share of each hour dark
    uptime: float = field(init=False)

    def __post_init__(self) -> None:
        self.uptime = 1 - self.dark_h / self.hours if self.hours else 1.0

    @property
    def phone_wh(self) -> float:
        return self.usb_wh + self.pad_wh

    @property
    def dark_days(self) -> int:
        """Days (from the trace's start, 24 h each) with any time dark."""
        days = len(self.dark) // 24
        return int((self.dark[:days * 24].reshape(days, 24).max(axis=1) > 1e-9).sum()) if days else 0


class Plant:
    """The replay's plant reduced to an hourly energy and heat balance (docs/energy.md)."""

    def __init__(self, p: dict[str, Any], board: str | None):
        self.p = p
        self.cap_ah = p["battery_wh"] / 12.8
        self.heat_j_k = p["cells_j_k_wh"] * p["battery_wh"] + p["box_j_k"]
        self.decay = math.exp(-3600 * p["box_w_k"] / max(1.0, self.heat_j_k))
        self.heater_w = p["heater_w"]
        self.lvr_soc = float(np.interp(p["lvr_v"], _OCV_V, _OCV_SOC))
        self.ctrl_w = p["controller_ma"] / 1000 * 13.0
        board_w = p["board_sleep_ma"] * 3.3 / p["dcdc_eff"] / 1000
        wakes_h = 3600 / 10  # one wake-up per default sample interval
        board_w += p["board_awake_ma"] * 3.3 / p["dcdc_eff"] / 1000 * p["awake_ms"] / 1000 * wakes_h / 3600
        # The radio's least: a report every 15 min, 0.2 s on the air (LoRa) or 3 s to connect (Wi-Fi).
        wifi = board is not None and "wifi" in board
        radio_s_h = 4 * (3.0 if wifi else 0.2)
        radio_ma = p["wifi_ma"] if wifi else p["modem_tx_ma"]
        board_w += radio_ma * 3.3 / p["dcdc_eff"] / 1000 * radio_s_h / 3600
        self.own_w = self.ctrl_w + board_w
        self.radar_w = p["radar_ma"] * 5 / p["dcdc_eff"] / 1000
        self.accept_w = p["charge_max_a"] * 13.3

    def temp_next(self, t_c: np.ndarray, air_c: float, heater_w: np.ndarray | float) -> np.ndarray:
        """Exact for an hour of steady air and heater: T relaxes to air + P/G."""
        target = air_c + np.asarray(heater_w) / self.p["box_w_k"]
        return target + (t_c - target) * self.decay

    def locked_ah(self, t_c: np.ndarray) -> np.ndarray:
        return self.cap_ah * (1 - np.interp(t_c, _USABLE_C, _USABLE))

    def step(self, q_ah, t_c, on, h: int, hours: Hours, action):
        """One hour from charge `q_ah`, temperature `t_c`, output `on` (arrays alike) with
        `action` (usb, pad, heater). Returns next charge, temperature, on, and the hour's dark
        share, brownouts, usb Wh, pad Wh, heater Wh, stored Wh."""
        usb, pad, heat = action
        p = self.p
        heater_w = self.heater_w * heat * on
        t1 = self.temp_next(t_c, hours.air_c[h], heater_w)
        load = np.where(on, self.own_w + self.radar_w * hours.sitting_s[h] / 3600
                        + usb * hours.usb_wh[h] / p["usb_eff"] + pad * hours.pad_wh[h] / p["qi_eff"] + heater_w,
                        self.ctrl_w)
        sun = hours.panel_wh[h]
        direct = np.minimum(sun, load)
        can = (np.minimum(t_c, t1) >= 0) | (p["cold_protect"] == 0)
        volts = np.interp(q_ah / self.cap_ah, _OCV_SOC, _OCV_V)
        charge_wh = np.where(can, np.minimum(sun - direct, self.accept_w), 0.0)
        charge_wh = np.minimum(charge_wh, (self.cap_ah - q_ah) * volts)
        q1 = q_ah + (charge_wh - (load - direct)) / volts
        locked = self.locked_ah(np.minimum(t_c, t1))
        falls = on & (q1 <= locked)
        drop = np.maximum(q_ah - q1, 1e-12)
        lit = np.where(falls, np.clip((q_ah - locked) / drop, 0.0, 1.0), 1.0)
        q1 = np.where(falls, np.maximum(locked, 0.0), np.maximum(q1, 0.0))
        back = ~on & (q1 / self.cap_ah >= self.lvr_soc) & (q1 > locked)
        on1 = (on & ~falls) | back
        dark = np.where(on, 1 - lit, 1.0)
        served = np.where(on, lit, 0.0)
        return (q1, t1, on1, dark, falls.astype(float), usb * hours.usb_wh[h] * served,
                pad * hours.pad_wh[h] * served, heater_w * lit, charge_wh)


def solve(hours: Hours, nq: int = 161, temps: tuple[int, int] = (-30, 25), t_step: float = 1.0) -> Outcome:
    """Backward induction for the value of every state, hour by hour; then a forward run from
    the trace's start that picks, at the exact state, the action best by one step ahead."""
    plant = Plant(hours.plant, hours.board)
    q_grid = np.linspace(0.0, plant.cap_ah, nq)
    t_grid = np.arange(temps[0], temps[1] + t_step / 2, t_step)
    tt, qq = np.meshgrid(t_grid, q_grid, indexing="ij")
    n = len(hours.panel_wh)
    actions = ACTIONS if plant.heater_w > 0 else ACTIONS[:3]
    values = np.zeros((n + 1, 2, *tt.shape))  # after the last hour nothing more counts
    on = np.ones(tt.shape, dtype=bool)
    off = np.zeros(tt.shape, dtype=bool)

    def ahead(value, q1, t1, on1):
        # Bilinear in temperature and charge, on the next hour's values.
        ti = np.clip((t1 - t_grid[0]) / t_step, 0, len(t_grid) - 1.000001)
        qi = np.clip(q1 / plant.cap_ah * (nq - 1), 0, nq - 1.000001)
        t0, q0 = ti.astype(int), qi.astype(int)
        wt, wq = ti - t0, qi - q0
        side = on1.astype(int)
        return ((1 - wt) * ((1 - wq) * value[side, t0, q0] + wq * value[side, t0, q0 + 1])
                + wt * ((1 - wq) * value[side, t0 + 1, q0] + wq * value[side, t0 + 1, q0 + 1]))

    def totals(h, q, t, state, acts):
        q1, t1, on1, dark, falls, usb, pad, heat, _ = plant.step(q, t, state, h, hours, acts)
        return -DARK_H * dark - BROWNOUT * falls + usb + pad - HEAT_TIE * heat + ahead(values[h + 1], q1, t1, on1)

    # Every action at once on a leading axis: (usb, pad, heater) as arrays of shape (A, 1, 1).
    acts = tuple(np.array([a[i] for a in actions], dtype=float).reshape(-1, 1, 1) for i in range(3))
    for h in range(n - 1, -1, -1):
        values[h, 1] = np.max(totals(h, qq, tt, on, acts), axis=0)
        values[h, 0] = totals(h, qq, tt, off, actions[0])
    flat = tuple(a.reshape(-1) for a in acts)

    def choose(h: int, q: float, t: float) -> tuple[int, int, int]:
        return actions[int(np.argmax(totals(h, np.array(q), np.array(t), np.array(True), flat)))]
    return run(plant, hours, choose)


def run(plant: Plant, hours: Hours, choose) -> Outcome:
    """The plant from the trace's start with the loads as `choose(hour, charge Ah, temperature)`
    sets them while the output is on."""
    p = hours.plant
    n = len(hours.panel_wh)
    q = np.array(p["initial_soc"] * plant.cap_ah)
    t = np.array(hours.air_c[0] if n else 10.0)
    on = np.array(True)
    totals = np.zeros(6)
    soc, temp, dark = np.zeros(n), np.zeros(n), np.zeros(n)
    for h in range(n):
        action = choose(h, float(q), float(t)) if on else ACTIONS[0]
        q, t, on, *figures = plant.step(q, t, on, h, hours, action)
        totals += np.array([float(f) for f in figures])
        soc[h], temp[h], dark[h] = float(q) / plant.cap_ah, float(t), float(figures[0])
    own = plant.own_w * 24 + plant.radar_w * float(hours.sitting_s.sum()) / max(1, n) * 24 / 3600
    return Outcome(n, totals[0], round(totals[1]), totals[2], totals[3], totals[4], totals[5], own, soc, temp,
                   dark)


def better(a: Outcome, b: Outcome) -> bool:
    """The bound's order: more time powered, then fewer brownouts, then more phone energy."""
    return (round(-a.dark_h, 2), -a.brownouts, a.phone_wh) > (round(-b.dark_h, 2), -b.brownouts, b.phone_wh)


def fixed_threshold(hours: Hours, pct: int) -> Outcome:
    """A fixed policy on the same reduced plant: ports and pad on while the charge that can be
    taken out at this temperature is at least `pct` % of what could; the heater, when fitted,
    on below +2 C while the panel gives more than the bench needs with it on."""
    plant = Plant(hours.plant, hours.board)

    def choose(h: int, q: float, t: float) -> tuple[int, int, int]:
        locked = float(plant.locked_ah(np.array(t)))
        share = (q - locked) / max(1e-9, plant.cap_ah - locked)
        ports = 1 if share * 100 >= pct else 0
        heat = int(plant.heater_w > 0 and t < 2 and hours.panel_wh[h] > plant.own_w + plant.heater_w)
        return (ports, ports, heat)
    return run(plant, hours, choose)


def best_fixed_threshold(hours: Hours, steps: range = range(0, 100, 5)) -> tuple[int, Outcome]:
    """The fixed threshold that, chosen knowing the whole trace, does best in the bound's order."""
    best: tuple[int, Outcome] | None = None
    for pct in steps:
        outcome = fixed_threshold(hours, pct)
        if best is None or better(outcome, best[1]):
            best = (pct, outcome)
    assert best is not None
    return best


def bound(path: str) -> Outcome:
    return solve(Hours.of(path))
