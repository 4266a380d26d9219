"""A board's RAM ceiling, proven on 32 bits: 30 days of the firmware alone, played from a board
tape (sim/board_tape.py: what the board's devices answered in a CPython replay) under
`micropython-i386 -X heapsize=` that board's stock heap less a 20 % margin. The simulator is
not in the heap: the playback's own few KB are measured first and given on top, so the
firmware gets the board's heap and no more. The firmware's modules come from the board's
manifest as .mpy files, loaded when the firmware imports them, as on a board."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from benchctl.paths import BOARDS, HOST, REPO

OUT = REPO / "build" / "board-heap"
MARGIN_PCT = 20
DAYS = 30
# The heap a stock MicroPython image gives the firmware (gc.mem_free() once it runs), bytes,
# by the image the board installs (board.json "micropython" "board"), and where it comes from.
# The low end of what is reported, so that the margin is a margin.
STOCK_HEAP = {
    "RPI_PICO": (190_000, "RPI_PICO: one heap of 190-210 KB between the linker's __GcHeapStart and "
                          "__GcHeapEnd, gc.mem_free() 209,936 at boot on 1.2x (../shared/tools/README.md)"),
    "ESP32_GENERIC-SPIRAM": (1_000_000, "ESP32_GENERIC SPIRAM on a WROVER module (4 MB PSRAM): the heap is "
                                        "taken from PSRAM, about 2 MB since 1.20 (micropython issue #12075); "
                                        "1 MB counted"),
    "ESP32_GENERIC": (112_000, "ESP32_GENERIC without PSRAM: 56 KiB at start, about 112 KB after its first "
                               "growth, 143-164 KB at most in three areas (../shared/tools/README.md)"),
}


class HeapFailed(Exception):
    """The firmware did not complete its days in the heap it was given (its own words)."""


@dataclass
class Run:
    board: str
    heapsize: int  # -X heapsize given
    firmware_heap: int  # of it, what the firmware had (heapsize less the playback's own)
    setup: int  # what the playback held before the firmware's first import
    peak: int  # the firmware's live heap at most (code it imported and its data), after gc.collect()
    daily: list[int]  # each day's peak
    reports: int
    lives: int

    def growth(self) -> int:
        """The last week's mean daily peak less the mean of days 3-9 (bytes): a leak shows here."""
        d = self.daily
        if len(d) < 16:
            return 0
        return sum(d[-7:]) // 7 - sum(d[2:9]) // 7


def stock(board: str) -> tuple[int, str]:
    mp = json.loads((BOARDS / board / "board.json").read_text())["micropython"]
    image = mp["board"]
    if image not in STOCK_HEAP:
        raise KeyError(f"{board}: no stock heap is known for the image {image}; add it to board_heap.STOCK_HEAP "
                       "with its source")
    return STOCK_HEAP[image]


def _less_margin(heap: int) -> int:
    return heap * (100 - MARGIN_PCT) // 100


def ceiling(board: str) -> int:
    """The heap the firmware must run in: the stock heap less the margin."""
    return _less_margin(stock(board)[0])


def _trace(days: int, folder: Path) -> Path:
    from benchctl.figures.benchmarks import build

    folder.mkdir(parents=True, exist_ok=True)
    return build(days, f"month-{days}-events.jsonl.gz", folder, keep_events=True)


def record(board: str, tape: Path, days: int = DAYS, folder: Path = OUT) -> None:
    """Record the board tape of `days` days (the bundled park days in turn, with their console
    sessions and resets) into `tape`, a file or a pipe."""
    from benchctl.replay import replay

    replay(str(_trace(days, folder)), None, board_name=board, board_tape=str(tape))


def _start(board: str, tape: Path, heapsize: int, interpreter: str, probe: bool = False):
    from benchctl.mpy import board_tree

    folders = board_tree(board)
    OUT.mkdir(parents=True, exist_ok=True)
    out = OUT / f"{board}-{'probe' if probe else 'heap'}-{os.getpid()}.json"
    out.unlink(missing_ok=True)
    args = [interpreter, "-X", f"heapsize={heapsize}", str(HOST / "benchctl" / "sim" / "tape_main.py"), str(tape),
            str(BOARDS / board / "board.json"), str(out)] + (["probe"] if probe else [])
    env = dict(os.environ, MICROPYPATH=":".join(str(p) for p in folders) + ":.frozen")
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env), out


def _finish(board: str, heapsize: int, proc, out: Path) -> dict:
    said, err = proc.communicate()
    if proc.returncode != 0 or not out.exists():
        lines = [x for x in (err + said).splitlines() if x.strip()]
        out.unlink(missing_ok=True)
        raise HeapFailed(f"{board} under -X heapsize={heapsize}: " + (lines[-1] if lines else "no output"))
    figures = json.loads(out.read_text())
    out.unlink()
    return figures


def run(board: str, interpreter: str, tape: Path, firmware_heap: int | None = None) -> Run:
    """Play the board's `tape` with `firmware_heap` bytes for the firmware (default its
    ceiling); HeapFailed if it does not complete."""
    room = ceiling(board) if firmware_heap is None else firmware_heap
    OUT.mkdir(parents=True, exist_ok=True)
    empty = OUT / "empty.tape"
    empty.write_bytes(b"")
    setup = _finish(board, 1 << 20, *_start(board, empty, 1 << 20, interpreter, probe=True))["setup"]
    heapsize = room + setup
    got = _finish(board, heapsize, *_start(board, tape, heapsize, interpreter))
    return Run(board, heapsize, room, got["setup"], got["peak"], got["daily"], got["reports"], got["lives"])


def smallest(board: str, interpreter: str, tape: Path, step: int = 2048) -> Run:
    """The smallest firmware heap (to `step` bytes) in which the tape's days complete."""
    top = run(board, interpreter, tape, 1 << 21)
    lo, hi = top.peak // step * step, (top.peak + 64 * 1024) // step * step
    best = None
    while lo < hi:
        mid = (lo + hi) // 2 // step * step
        try:
            best = run(board, interpreter, tape, mid)
            hi = mid
        except HeapFailed:
            lo = mid + step
    return best if best is not None and best.firmware_heap == lo else run(board, interpreter, tape, lo)


FROZEN_IMAGE = "ESP32_GENERIC"  # the ESP32 without PSRAM: supported frozen only (docs/boards.md)


def bytecode_bytes(board: str) -> int:
    """What freezing moves out of the heap, at least: the board's .mpy files (bytecode, its
    strings and constants), which a frozen image keeps in flash. The loaded form is larger
    (raw code objects, qstr pool overhead), so the frozen check below is on the safe side."""
    from benchctl.mpy import board_tree

    return sum(p.stat().st_size for p in board_tree(board)[0].rglob("*.mpy"))


def frozen_ceiling() -> int:
    return _less_margin(STOCK_HEAP[FROZEN_IMAGE][0])


def _esp32(board: str) -> bool:
    return json.loads((BOARDS / board / "board.json").read_text())["mcu"] == "esp32"


def frozen_key(board: str) -> str:
    return f"{board} frozen on {FROZEN_IMAGE}"


def check(boards: list[str], interpreter: str, out: Path) -> dict:
    """Each board's 30 days at its ceiling, one process at a time (a tape recorded to a file,
    then played): what `make test` runs beside the rest of the tests, on the second core.
    Writes {board: {"run": figures} or {"error": what failed}} to `out` as JSON."""
    results: dict[str, dict] = {}
    for board in boards:
        tape = OUT / f"{board}-{DAYS}-check.tape"  # not make bench's: both may run at once
        try:
            OUT.mkdir(parents=True, exist_ok=True)
            record(board, tape)
            results[board] = {"run": asdict(run(board, interpreter, tape))}
            if _esp32(board):
                # Frozen into an ESP32_GENERIC image: the stock heap less the margin, and the
                # bytecode the image keeps in flash given on top (the code is loaded as .mpy).
                allowance = bytecode_bytes(board)
                try:
                    frozen = run(board, interpreter, tape, frozen_ceiling() + allowance)
                    results[frozen_key(board)] = {"run": asdict(frozen), "allowance": allowance}
                except HeapFailed as e:
                    results[frozen_key(board)] = {"error": str(e), "allowance": allowance}
        except (HeapFailed, OSError, RuntimeError) as e:
            results[board] = {"error": str(e)}
        finally:
            tape.unlink(missing_ok=True)
        out.write_text(json.dumps(results))
    return results


def report() -> None:
    """`make bench`'s board heap section: per board, what its firmware holds and the heap it needs."""
    from benchctl.figures.board_ram import BOARDS_ON_BENCHES, I386, import_cost, interpreter_32bit
    from benchctl.replay import micropython_binary

    interpreter = interpreter_32bit()
    if interpreter is None:
        print(f"board heap: {I386} is absent: the figures below are the 64-bit port's, which says little about "
              "a board (objects and pointers twice the size)")
        interpreter = micropython_binary()
    print(f"board heap: {DAYS} days of each board's firmware alone (a board tape) under {Path(interpreter).name}, "
          "live heap after gc.collect() at each report")
    print(f"  {'board':16} {'code':>9} {'live peak':>10} {'smallest':>9} {'stock':>9} {'ceiling':>9} {'spare':>8}")
    for board in BOARDS_ON_BENCHES:
        tape = OUT / f"{board}-{DAYS}.tape"
        record(board, tape)
        try:
            code = import_cost(board, interpreter)
            least = smallest(board, interpreter, tape, step=4096)
            heap, _ = stock(board)
            room = ceiling(board)
            print(f"  {board:16} {code / 1024:6.1f} KB {least.peak / 1024:7.1f} KB {least.firmware_heap / 1024:6.0f} KB "
                  f"{heap / 1024:6.0f} KB {room / 1024:6.0f} KB {(room - least.firmware_heap) / 1024:5.0f} KB")
            if _esp32(board):
                # The same tape, the bytecode out of the heap: what is left is the frozen need.
                allowance = bytecode_bytes(board)
                need = least.firmware_heap - allowance
                print(f"  {'  frozen':16} {'flash':>9} {(least.peak - allowance) / 1024:7.1f} KB {need / 1024:6.0f} KB "
                      f"{STOCK_HEAP[FROZEN_IMAGE][0] / 1024:6.0f} KB {frozen_ceiling() / 1024:6.0f} KB "
                      f"{(frozen_ceiling() - need) / 1024:5.0f} KB   ({FROZEN_IMAGE}, {allowance / 1024:.1f} KB of "
                      "bytecode in flash)")
        finally:
            tape.unlink(missing_ok=True)
    print(f"  code: the manifest's modules imported from .mpy; live peak: what the firmware held at most (the code "
          f"it imported and its data); smallest: the least heap that completes the {DAYS} days (to 4 KB); "
          f"ceiling: the stock heap less {MARGIN_PCT} %; KB = 1,024 bytes")


def main(argv: list[str]) -> int:
    import argparse

    from benchctl.figures.board_ram import BOARDS_ON_BENCHES, I386, interpreter_32bit

    parser = argparse.ArgumentParser(prog="python -m benchctl.figures.board_heap", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="the JSON file the figures go to")
    parser.add_argument("boards", nargs="*", default=list(BOARDS_ON_BENCHES))
    args = parser.parse_args(argv)
    interpreter = interpreter_32bit()
    if interpreter is None:
        print(f"board heap: {I386} is absent: no 32-bit ceiling checked", file=sys.stderr)
        return 2
    results = check(args.boards, interpreter, Path(args.out))
    return 1 if any("error" in r for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
