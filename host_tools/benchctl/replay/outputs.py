"""What `benchctl replay` writes besides console.log (docs/spec/replay-v1.md): summary.json
from the runner's integer totals, uplinks.jsonl with the busiest 24 h found on the way, and a
closed loop's plant.csv."""

from __future__ import annotations

import json
from collections import deque
from pathlib import Path
from typing import Any

from benchctl.paths import firmware_on_path
from benchctl.plant.plant import OWN
from benchctl.replay.trace import Trace


def _energy(totals: dict[str, Any], report_s: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """replay-v1's `energy` object, and the plant's further figures (the `plant` object)."""
    e = totals["energy"]
    intervals = max(1, -(-totals["duration_ms"] // (report_s * 1000)))
    energy = {
        "solar_wh": round(e["solar_uwh"] / 1e6, 3),
        "load_wh": round(e["load_uwh"] / 1e6, 3),
        "min_soc": round(e["min_soc_ppm"] / 1e6, 4),
        "brownouts": e["brownouts"],
        "telemetry_uptime": round(min(e["slots"], intervals) / intervals, 4),
        "port_service_ratio": round(e["port_uwh"] / e["demand_uwh"], 4) if e["demand_uwh"] else 1.0,
        "cold_charge_s": e["cold_charge_ms"] // 1000,
    }
    plant = {
        "available_wh": round(e["available_uwh"] / 1e6, 3),
        "electronics_wh": round(e["electronics_uwh"] / 1e6, 3),
        "port_wh": round(e["port_uwh"] / 1e6, 3),
        "demand_wh": round(e["demand_uwh"] / 1e6, 3),
        "stored_wh": round(e["stored_uwh"] / 1e6, 3),
        "loss_wh": round(e["loss_uwh"] / 1e6, 3),
        "heater_wh": round(e["heater_uwh"] / 1e6, 3),
        "pad_wh": round(e["pad_uwh"] / 1e6, 3),
        "pad_demand_wh": round(e["pad_demand_uwh"] / 1e6, 3),
        "own_wh": {name: round(uwh / 1e6, 3) for name, uwh in zip(OWN, e["own_uwh"])},
        "end_soc": round(e["end_soc_ppm"] / 1e6, 4),
        "report_intervals": intervals,
        "report_intervals_with_a_report": e["slots"],
    }
    return energy, plant


def summary_of(trace: Trace, board: dict[str, Any], totals: dict[str, Any], report_s: int = 900) -> dict[str, Any]:
    firmware_on_path()
    from bench.version import VERSION

    by_port = {str(i + 1): n for i, n in enumerate(totals["charge_by_port"])}
    radio = totals["radio"]
    duration = totals["duration_ms"] / 1000
    return {
        "bench": trace.header.bench,
        "board": board["name"],
        "firmware": VERSION,
        "duration_s": int(duration) if duration == int(duration) else duration,
        "uplinks": radio.get("uplinks", 0),
        "uplink_bytes": radio.get("uplink_bytes", 0),
        "airtime_s": _seconds(radio.get("airtime_us", 0)),
        "max_airtime_24h_s": _seconds(radio.get("max_airtime_24h_us", 0)),
        "gap_requests": radio.get("gap_requests", 0),
        "joins": radio.get("joins", 0),
        "join_airtime_s": _seconds(radio.get("join_airtime_us", 0)),
        "max_airtime_24h_with_joins_s": _seconds(radio.get("max_airtime_24h_joins_us", 0)),
        "max_downlinks_24h": radio.get("max_downlinks_24h", 0),
        "max_requested_downlinks_24h": radio.get("max_requested_downlinks_24h", 0),
        "reports": {
            "generated": totals["generated"],
            "delivered": totals["delivered"],
            "queued": totals["queued"],
            "dropped": totals["dropped"],
        },
        "sit_sessions": totals["sit_sessions"],
        "occupied_s": totals["occupied_ms"] // 1000,
        "charge_sessions": sum(totals["charge_by_port"]),
        "charge_sessions_by_port": by_port,
        "port_energy_wh": round(totals["port_uwh"] / 1_000_000, 3),
        "resets": dict(sorted(totals["resets"].items())),
        "downlinks": {"applied": totals["applied"], "rejected": totals["rejected"]},
        "faults_seen": sorted(totals.get("faults_seen", ())),
        **(dict(zip(("energy", "plant"), _energy(totals, report_s), strict=True)) if totals.get("energy") else {}),
    }


def _seconds(us: int) -> float:
    return round(us / 1_000_000, 3)


def uplink_line(t_ms: int, fport: int | None, payload_hex: str, airtime_us: int | None, delivered: bool,
                topic: str | None = None) -> str:
    """One line of uplinks.jsonl (replay-v1.md): a LoRaWAN frame, or an MQTT publish (topic)."""
    t = t_ms // 1000 if t_ms % 1000 == 0 else t_ms / 1000
    return json.dumps({"t": t, "transport": "lorawan" if topic is None else "mqtt", "fport": fport, "topic": topic,
                       "payload_hex": payload_hex, "airtime_s": None if airtime_us is None else airtime_us / 1_000_000,
                       "delivered": delivered}) + "\n"


class UplinkLog:
    """Writes uplinks.jsonl and finds on the way the busiest 24 h of airtime and the faults the
    bench's status reports flagged (summary.json's `faults_seen`)."""

    def __init__(self, file: Any) -> None:
        self.file = file
        self.frames = _Window()  # the frames of uplinks.jsonl
        self.all = _Window()  # and the JoinRequests, which fair use counts as well
        self.faults: set[str] = set()

    def add(self, t_ms: int, fport: int | None, payload_hex: str, airtime_us: int | None, delivered: bool,
            topic: str | None = None) -> None:
        if fport == 1 or (topic is not None and topic.endswith("/status")):
            self.faults.update(_flagged(fport, payload_hex))
        if topic is not None or airtime_us is None:
            self.file.write(uplink_line(t_ms, None, payload_hex, None, delivered, topic))  # MQTT: no airtime
            return
        if fport is not None:
            self.file.write(uplink_line(t_ms, fport, payload_hex, airtime_us, delivered))
            self.frames.add(t_ms, airtime_us)
        self.all.add(t_ms, airtime_us)  # a JoinRequest (fport None) too


def _flagged(fport: int | None, payload_hex: str) -> list[str]:
    """The fault names a status report flags (payload-v1's FAULTS): a LoRaWAN frame decoded by
    the host's own decoder, a Wi-Fi bench's status JSON read as it is published."""
    from benchctl.codec import DecodeError, decode

    try:
        if fport == 1:
            return list(decode(1, bytes.fromhex(payload_hex))[0]["faults"])
        faults = json.loads(bytes.fromhex(payload_hex)).get("faults", [])
        return [f for f in faults if isinstance(f, str)]
    except (DecodeError, ValueError, KeyError, AttributeError):
        return []  # not a status report this decoder reads: the codec tests pin the format


class _Window:
    """The most airtime in any 24 h."""

    def __init__(self) -> None:
        self.day: deque[tuple[int, int]] = deque()
        self.day_us = 0
        self.max_us = 0

    def add(self, t_ms: int, airtime_us: int) -> None:
        self.day.append((t_ms, airtime_us))
        self.day_us += airtime_us
        while t_ms - self.day[0][0] >= 86_400_000:
            self.day_us -= self.day.popleft()[1]
        self.max_us = max(self.max_us, self.day_us)


HOURLY = ("t_s", "soc", "solar_wh", "load_wh", "port_wh", "demand_wh", "ports_on", "powered", "battery_c",
          "poa_wm2", "heater_wh")


def write_hourly(path: Path, rows: list[list[int]]) -> None:
    """plant.csv: the plant once an hour, energies summed from the start (docs/plant.md)."""
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(",".join(HOURLY) + "\n")
        for t, soc, solar, load, port, demand, on, powered, temp, poa, heater in rows:
            f.write(f"{t},{soc / 1e6:.4f},{solar / 1e6:.3f},{load / 1e6:.3f},{port / 1e6:.3f},{demand / 1e6:.3f},"
                    f"{on},{powered},{temp / 1000:.1f},{poa / 1000:.1f},{heater / 1e6:.3f}\n")
