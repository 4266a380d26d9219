"""What a board's firmware costs its heap, measured on a MicroPython of the board's word size:
the boards are 32-bit, and a figure from the 64-bit unix port (the wheel's) says little about
them. `../shared/tools/micropython-i386` is MicroPython's unix port built 32-bit and static;
where it is absent, the figures say so and come from the 64-bit port instead."""

from __future__ import annotations

import os
import subprocess

from benchctl.paths import REPO

I386 = REPO.parent / "shared" / "tools" / "micropython-i386"

# The import cost: each of the board's modules imported from its .mpy file, as a stock image
# without a ROMFS partition loads them into the heap; the figure is what stays after a collection.
_IMPORT = """
import gc
gc.collect()
before = gc.mem_alloc()
for name in %r:
    __import__(name)
gc.collect()
print(gc.mem_alloc() - before)
"""


def interpreter_32bit() -> str | None:
    """The 32-bit interpreter, or None where it is absent (callers say so)."""
    return str(I386) if I386.is_file() and os.access(I386, os.X_OK) else None


def import_cost(board: str, interpreter: str, heapsize: str = "1m") -> int:
    """Bytes of heap the board's firmware modules hold once imported, under `interpreter`."""
    from benchctl.mpy import replay_tree
    from benchctl.replay import _board_modules

    folders = replay_tree(board)
    env = dict(os.environ, MICROPYPATH=str(folders[0]) + ":.frozen")
    done = subprocess.run([interpreter, "-X", f"heapsize={heapsize}", "-c", _IMPORT % (_board_modules(board),)],
                          capture_output=True, text=True, env=env, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{board}: importing its firmware under {interpreter} failed: {done.stderr.strip()[-500:]}")
    return int(done.stdout.split()[-1])


BOARDS_ON_BENCHES = ("esp32-rak3172", "esp32-wifi", "rp2040-rak3172")


def report() -> None:
    """`make bench`'s board section: each board's firmware code in its heap, 32-bit and 64-bit."""
    from benchctl.replay import micropython_binary

    i386 = interpreter_32bit()
    if i386 is None:
        print(f"board RAM: {I386} is absent, so no 32-bit figures; the 64-bit port's below say little about a board")
    print("board RAM: the firmware's modules imported from .mpy into the heap (a stock image has no ROMFS), "
          "after gc.collect()")
    print(f"  {'board':16} {'32-bit':>9} {'64-bit':>9}")
    for board in BOARDS_ON_BENCHES:
        wide = import_cost(board, micropython_binary())
        narrow = "absent" if i386 is None else f"{import_cost(board, i386) / 1024:.1f} KB"
        print(f"  {board:16} {narrow:>9} {wide / 1024:6.1f} KB")
