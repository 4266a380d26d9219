"""What a technician sees while boards flash: on a terminal a progress bar per board, redrawn in
place; in a log or a pipe, one line per step. Then a table of every board's result."""

from __future__ import annotations

import threading
from typing import TextIO

from benchctl.flash.fleet import STEPS, Row

_BAR = 24


class FlashView:
    def __init__(self, rows: list[Row], out: TextIO, terminal: bool):
        self.rows = rows
        self.out = out
        self.terminal = terminal
        self.state = {id(r): ("waiting", "") for r in rows}
        self.lock = threading.Lock()
        if terminal:
            for row in rows:
                out.write(self._line(row) + "\n")
            out.flush()

    def _line(self, row: Row) -> str:
        step, detail = self.state[id(row)]
        share = STEPS.get(step, 0.0)
        filled = int(share * _BAR)
        bar = "FAILED".center(_BAR, "!") if step == "failed" else "#" * filled + "-" * (_BAR - filled)
        text = f"  {row.bench:<12} {row.port:<16} [{bar}] {step}" + (f": {detail}" if detail else "")
        return text[:160]

    def __call__(self, row: Row, step: str, detail: str) -> None:
        with self.lock:
            self.state[id(row)] = (step, detail if step != "failed" else "")
            if not self.terminal:
                self.out.write(f"  {row.bench:<12} {row.port:<16} {step}" + (f": {detail}" if detail and
                                                                             step != "failed" else "") + "\n")
            else:
                self.out.write(f"\x1b[{len(self.rows)}F")  # to the first bar's line, then redraw them all
                for each in self.rows:
                    self.out.write("\x1b[2K" + self._line(each) + "\n")
            self.out.flush()

    def table(self, results: list[tuple[Row, str, bool]]) -> None:
        out = self.out
        out.write(f"\n  {'bench':<12} {'board':<16} {'port':<16} result\n")
        for row, text, ok in results:
            out.write(f"  {row.bench:<12} {row.board:<16} {row.port:<16} {'ok: ' if ok else 'FAILED: '}{text}\n")
        failed = sum(1 for _, _, ok in results if not ok)
        out.write(f"  {len(results) - failed} of {len(results)} benches flashed, verified and booted\n")
        out.flush()
