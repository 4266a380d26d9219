# Entry point of a board tape's playback under a MicroPython unix port (benchctl/figures/board_heap.py):
# the firmware alone, as a board holds it, with the live heap measured after gc.collect() at
# every status report. What the playback itself holds (the interpreter's start, this script,
# the tape's reader and its buffer) is made first and measured: the host gives the heap that
# much on top of the board's, so the firmware gets the board's heap and no more.
import gc
import json
import sys

from benchctl.sim.board_tape import Reader

_DAYS = 64  # days of daily peaks kept, in a list allocated once


def main(argv):
    # Paths only: the unix port turns each argument into a qstr, whose length it keeps in one
    # byte (an argument of 256 characters or more stops it, "uncaught NLR").
    tape_path, board_path, out_path = argv[:3]
    with open(board_path) as f:
        board = json.load(f)
    daily = [0] * _DAYS
    state = [0, 0, 0]  # reports, peak, the heap before the firmware
    tape = open(tape_path, "rb")
    reader = Reader(tape)
    out = open(out_path, "w")
    gc.collect()
    state[2] = gc.mem_alloc()
    if len(argv) > 3 and argv[3] == "probe":
        out.write(json.dumps({"setup": state[2]}))
        out.close()
        return
    from benchctl.sim.board_player import Player

    def write(line):
        if "INFO  report:" in line:
            gc.collect()
            live = gc.mem_alloc() - state[2]
            state[0] += 1
            if live > state[1]:
                state[1] = live
            day = (state[0] - 1) // 96  # 96 status reports a day at 15 minutes
            if day < _DAYS and live > daily[day]:
                daily[day] = live

    if board.get("gc_threshold_bytes"):
        gc.threshold(board["gc_threshold_bytes"])  # as the board's wiring sets it
    player = Player(reader, board, write)
    lives = player.play()
    tape.close()
    days = (state[0] + 95) // 96
    out.write(json.dumps({"reports": state[0], "peak": state[1], "setup": state[2], "lives": lives,
                          "calls": player.calls, "daily": daily[:days if days < _DAYS else _DAYS],
                          "free": gc.mem_free()}))
    out.close()


main(sys.argv[1:])
