"""`make bench`: telemetry on the air, the energy benchmark (benchctl.figures.energy), replay speed on
every engine (benchctl.figures.engines) and the firmware's heap under MicroPython, printed as figures. Never a pass/fail test:
these machines are shared, and timing is noise there.

Traces are built from the bundled park days (tests/traces), one after another with their
times shifted, into build/bench/: a year of 10-second samples and a 30-day month."""

from __future__ import annotations

import gzip
import json
import sys
import time
from pathlib import Path

from benchctl.paths import REPO
from benchctl.replay import replay

DAYS = sorted((REPO / "tests" / "traces").glob("park-*.jsonl"))
OUT = REPO / "build" / "bench"
DAY_S = 86400


def build(days: int, name: str, folder: Path = OUT, events: list[dict] | None = None,
          keep_events: bool = False) -> Path:
    """A trace of `days` days: the bundled days in turn, each shifted to its own date, with
    `events` (records of their own, e.g. link or sf) at their times. The bundled days' own
    console sessions and resets are left out, unless `keep_events`."""
    path = folder / name
    if path.exists():
        return path
    pending = sorted(events or [], key=lambda e: e["t"])
    folder.mkdir(parents=True, exist_ok=True)
    bodies = []
    for day in DAYS:
        lines = [json.loads(x) for x in day.read_text().splitlines()[1:] if x.strip()]
        bodies.append([r for r in lines if keep_events or ("reset" not in r and "console" not in r)])
    header = {"format": "bench-trace", "version": 1, "bench": "SM-BENCH", "board": "esp32-rak3172",
              "start": "2026-01-01T00:00:00Z", "source": "synthetic",
              "note": f"{days} days cycling the bundled park days, for make bench"}
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write(json.dumps(header) + "\n")
        for d in range(days):
            for r in bodies[d % len(bodies)]:
                if r["t"] >= DAY_S and d < days - 1:
                    continue  # each day's last record is the next day's first
                t = r["t"] + d * DAY_S
                while pending and pending[0]["t"] <= t:
                    f.write(json.dumps(pending.pop(0), separators=(",", ":")) + "\n")
                f.write(json.dumps({**r, "t": t}, separators=(",", ":")) + "\n")
    return path


def smallest_heap(trace: Path, sizes_kb: range) -> int | None:
    """The smallest -X heapsize (KB, of `sizes_kb`) under which `trace` replays with every
    report made and no MemoryError, or None."""
    from benchctl.replay import FirmwareFailed

    for kb in sizes_kb:
        try:
            result = replay(str(trace), None, engine="micropython", heapsize=f"{kb}k", heap=True)
        except FirmwareFailed:
            continue
        if result.heap is not None and result.heap["count"] > 0 and result.summary["resets"] == {}:
            return kb
    return None


def heap() -> None:
    trace = build(30, "month.jsonl.gz")
    kb = smallest_heap(build(2, "two-days.jsonl.gz"), range(256, 577, 32))
    if kb is None:
        print("firmware heap: the bench does not run two days under any heap up to 576 KB")
        return
    result = replay(str(trace), None, engine="micropython", heapsize=f"{kb}k", heap=True)
    assert result.heap is not None
    h = result.heap
    days = h["blocks"]
    if h["count"] == 0 or len(days) < 3:
        print(f"firmware heap: under -X heapsize={kb}k the bench made {h['count']} reports in 30 days "
              f"(resets {result.summary['resets']})")
        return
    print(f"firmware heap, MicroPython unix port (64-bit), 30 days, -X heapsize={kb}k (the smallest, in steps "
          f"of 32 KB, that runs two days): the whole replay fits")
    print(f"  loaded code and sim   {h['loaded'] / 1024:.1f} KB (code, kept in flash when frozen on a board, and the "
          f"45 KB simulated flash of the report queue)")
    print(f"  live data             {h['max'] / 1024:.1f} KB at most, after gc.collect() at each of "
          f"{h['count']} reports (goal <= 40 KB)")
    print(f"  daily means           day 1 {days[0] / 1024:.2f} KB, day 2 {days[1] / 1024:.2f} KB, "
          f"day 3 {days[2] / 1024:.2f} KB, day {len(days)} {days[-1] / 1024:.2f} KB "
          f"(lists of recent sessions fill in the first days)")
    print(f"  growth day 3 -> {len(days)}    {(days[-1] - days[2]) / 1024:+.2f} KB (goal: none); "
          f"free at the end {h['free'] / 1024:.0f} KB")


def telemetry() -> None:
    from benchctl.paths import firmware_on_path

    firmware_on_path()
    from bench.airtime import airtime_us, report_interval_s
    from bench.payload import encode_status
    from bench.report import Report

    frame = encode_status(Report((1, 0, 834, 13240, 10860, 4542, 2, 670, 1, 1676, 3, 8, 21, 19, 0)))
    print("telemetry: status report and daily airtime with the adaptive interval (TTN fair use 30 s / 24 h)")
    print(f"  status report         {len(frame)} bytes (goal <= 12; Cayenne LPP about 23)")
    print("  SF   time on air   interval   reports/day   airtime/day   share of 30 s")
    for sf in range(7, 13):
        toa = airtime_us(len(frame), sf)
        interval = report_interval_s(900, len(frame), sf)
        per_day = 86400 // interval
        day_s = per_day * toa / 1e6
        print(f"  {sf:<4} {toa / 1000:8.1f} ms   {interval // 60:5d} min   {per_day:8d}      {day_s:7.1f} s      "
              f"{day_s / 30:5.0%}")


def uplinks_of(summary_out: Path) -> list[dict]:
    return [json.loads(x) for x in (summary_out / "uplinks.jsonl").read_text().splitlines()]


def on_the_air() -> None:
    """Measured by replaying: three days at each spreading factor, and a 3-day outage."""
    print("telemetry on the air, measured by benchctl replay over 3 bundled days (fake RAK3172, network server)")
    print("  SF   status reports/day   busiest 24 h airtime (joins included)   generated/delivered/queued/dropped")
    for sf in range(7, 13):
        out = OUT / f"sf{sf}"
        summary = replay(str(build(3, f"sf{sf}.jsonl.gz", events=[{"t": 0, "sf": sf}])), str(out)).summary
        last_day = [u for u in uplinks_of(out) if u["fport"] == 1 and u["t"] >= 2 * DAY_S]
        r = summary["reports"]
        print(f"  {sf:<4} {len(last_day):10d}           {summary['max_airtime_24h_with_joins_s']:10.2f} s"
              f"                          {r['generated']}/{r['delivered']}/{r['queued']}/{r['dropped']}")
    down, up = 6 * 3600, 6 * 3600 + 3 * DAY_S
    out = OUT / "outage"
    trace = build(6, "outage.jsonl.gz", events=[{"t": down, "link": "down"}, {"t": up, "link": "up"}])
    summary = replay(str(trace), str(out)).summary
    uplinks = uplinks_of(out)
    made = (up - down) // 900
    first: dict[str, float] = {}
    for u in uplinks:
        if u["fport"] == 1 and u["t"] >= up and u["delivered"]:
            first.setdefault(u["payload_hex"], u["t"])
    times = sorted(first.values())
    after = [u for u in uplinks if u["t"] >= up]
    busiest_hour = max(sum(v["airtime_s"] for v in after if 0 <= v["t"] - u["t"] < 3600) for u in after)
    r = summary["reports"]
    print(f"  3-day outage at SF7: {made} reports made while the link was down; the last of them heard "
          f"{(times[made - 1] - up) / 3600:.1f} h after the link returned (goal < 24 h)")
    print(f"    busiest hour after the return {busiest_hour:.2f} s of airtime (cap 7.5 s), busiest 24 h of the "
          f"run {summary['max_airtime_24h_with_joins_s']:.2f} s (cap 30 s); reports "
          f"{r['generated']} made, {r['delivered']} delivered, {r['queued']} queued, {r['dropped']} dropped")


def flashing() -> None:
    """Deploy and verify the firmware on virtual boards: full, unchanged, four at once; then the
    whole `benchctl flash` (MicroPython checked, old files tidied, copied, verified, booted)."""
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    from benchctl.flash.deploy import deploy, stage
    from benchctl.flash.fleet import Options, Row, flash_fleet, flash_one
    from benchctl.paths import DEMO_TRACE
    from benchctl.virtual.board import VirtualBoard
    from benchctl.virtual.surroundings import prepare

    def timed(work):
        start = time.perf_counter()
        result = work()
        return time.perf_counter() - start, result

    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / "stage"
        files = stage("esp32-rak3172", "SM-BENCH", staged, {"report_interval_s": 900})
        boards = [VirtualBoard(Path(tmp) / f"board{n}") for n in range(5)]
        benches = []  # fresh boards for the whole run, each with a trace to boot the bench on
        for n in range(5):
            prepare(Path(tmp) / f"s{n}", DEMO_TRACE, speed=60)
            benches.append(VirtualBoard(Path(tmp) / f"bench{n}", Path(tmp) / f"s{n}"))
        for b in boards + benches:
            b.start()
        try:
            time.sleep(0.5)
            full, _ = timed(lambda: deploy(boards[0].device, staged, files))
            unchanged, again = timed(lambda: deploy(boards[0].device, staged, files))
            with ThreadPoolExecutor(max_workers=4) as pool:
                four, _ = timed(lambda: list(pool.map(lambda b: deploy(b.device, staged, files), boards[1:])))
            opts = Options(Path(tmp) / "work")
            whole, _ = timed(lambda: flash_one(Row("SM-B0", "virtual", benches[0].device), opts))
            whole_again, _ = timed(lambda: flash_one(Row("SM-B0", "virtual", benches[0].device), opts))
            rows = [Row(f"SM-B{n}", "virtual", b.device) for n, b in enumerate(benches[1:], 1)]
            whole_four, results = timed(lambda: flash_fleet(rows, opts))
            assert all(ok for _, _, ok in results), results
        finally:
            for b in boards + benches:
                b.stop()
    print("flashing: the firmware (esp32-rak3172, mpy-cross) deployed with mpremote and verified by SHA-256, "
          "virtual boards")
    print(f"  {len(files)} files           full {full:.2f} s; nothing changed {unchanged:.2f} s "
          f"({again.unchanged} skipped by hash)")
    print(f"  four boards at once   {four:.2f} s against {full:.2f} s for one (2 cores)")
    print(f"  whole benchctl flash  (MicroPython checked, tidied, copied, verified, restarted, boot banner) "
          f"{whole:.2f} s; again {whole_again:.2f} s; four at once {whole_four:.2f} s")


def main() -> int:
    from benchctl.figures.board_heap import report as board_heap
    from benchctl.figures.board_ram import report as board_ram
    from benchctl.figures.energy import bench as energy
    from benchctl.figures.engines import report as engines
    from benchctl.figures.occupancy import main as occupancy
    from benchctl.figures.per_sample import report as per_sample

    telemetry()
    print()
    on_the_air()
    print()
    flashing()
    print()
    occupancy()
    print()
    energy()
    print()
    engines()
    print()
    per_sample()
    print()
    heap()
    print()
    board_ram()
    print()
    board_heap()
    return 0


if __name__ == "__main__":
    sys.exit(main())
