# Entry point of a replay under the real MicroPython unix port: reads the tape the host wrote,
# runs the same runner as the CPython engine, prints the console on stdout and writes the
# totals as JSON. With a heap file, it records the live heap after gc.collect(): once when every
# module is loaded (code, which a board keeps in flash when the firmware is frozen), then at
# each report (what the running bench holds on top of that).
import gc
import json
import sys

from bench.queue import CAPACITY, block_bytes
from benchctl.sim.chips.flash import FakeBlock

_BLOCKS = 400  # days of report blocks kept
_BLOCK = 1024  # bytes of the tape read at a time


def _tape(path):
    # Read in blocks and cut the lines here: the unix port reads a text file's lines one byte
    # a syscall (7 million reads for a month, two thirds of its reading time). No list of
    # lines is kept, so that the heap figures below see only a block more than before.
    with open(path, "rb") as f:
        rest = b""
        while True:
            block = f.read(_BLOCK)
            if not block:
                break
            start = 0
            end = block.find(b"\n")
            if end >= 0 and rest:
                yield json.loads(rest + block[:end])
                rest = b""
                start = end + 1
                end = block.find(b"\n", start)
            while end >= 0:
                if end > start:
                    yield json.loads(block[start:end])
                start = end + 1
                end = block.find(b"\n", start)
            rest = rest + block[start:]
    if rest:
        yield json.loads(rest)


def main(argv):
    tape, board_path, config_path, bench_id, out_path, seed, air_path = argv[:7]
    heap_path = argv[7] if len(argv) > 7 else None
    with open(board_path) as f:
        board = json.load(f)
    with open(config_path) as f:
        setup = json.load(f)
    # Figures kept small and fixed, so that measuring does not fill the heap it measures:
    # the count and largest value, and one mean per block of 96 reports (a day at 15 min),
    # in a list allocated once (a growing list would show as the heap growing).
    # The simulated flash of the report queue is flash on a board: make it before the baseline.
    queue_block = FakeBlock(block_bytes(CAPACITY))
    from benchctl.sim.runner import replay  # after the big block, so that it finds room in one piece

    for name in setup.get("preload", ()):  # the board's code, imported lazily or not, before the baseline
        __import__(name)
    heap = {"count": 0, "max": 0}
    blocks = [0] * _BLOCKS
    block = [0, 0, 0]  # sum, reports in it, blocks done
    gc.collect()
    loaded = gc.mem_alloc()

    def write(line):
        print(line)
        if heap_path is not None and "INFO  report:" in line:
            gc.collect()
            live = gc.mem_alloc() - loaded
            heap["count"] += 1
            if live > heap["max"]:
                heap["max"] = live
            block[0] += live
            block[1] += 1
            if block[1] == 96:
                if block[2] < _BLOCKS:
                    blocks[block[2]] = block[0] // 96
                    block[2] += 1
                block[0] = block[1] = 0

    config_json = setup["config_json"].encode() if setup["config_json"] is not None else None
    air = open(air_path, "w")

    def on_air(t, fport, payload, toa_us, delivered, topic=None):
        # The host turns these into uplinks.jsonl, so that both engines write the same bytes.
        air.write("%d %d %s %d %d %s\n" % (t, -1 if fport is None else fport, "".join(["%02x" % b for b in payload]) or "-",
                                            -1 if toa_us is None else toa_us, 1 if delivered else 0, topic or "-"))

    hours = open(air_path + ".hours", "w")

    def on_hour(row):
        hours.write(" ".join(["%d" % v for v in row]) + "\n")

    totals = replay(board, _tape(tape), setup["values"], config_json, bench_id, write, int(seed), queue_block,
                    on_air, setup["plant"], on_hour)
    air.close()
    hours.close()
    with open(out_path, "w") as f:
        f.write(json.dumps(totals))
    if heap_path is not None:
        gc.collect()
        with open(heap_path, "w") as f:
            heap["blocks"] = blocks[:block[2]]
            heap["loaded"] = loaded
            heap["end"] = gc.mem_alloc() - loaded
            heap["free"] = gc.mem_free()
            f.write(json.dumps(heap))


if __name__ == "__main__":  # and importable, for tests/test_mp_tape.py
    main(sys.argv[1:])
