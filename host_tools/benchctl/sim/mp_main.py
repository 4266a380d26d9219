# Entry point of a replay under the real MicroPython unix port: reads the tape the host wrote,
# runs the same runner as the CPython engine, prints the console on stdout and writes the
# totals as JSON. With a heap file, it records the live heap after gc.collect(): once when every
# module is loaded (code, which a board keeps in flash when the firmware is frozen), then at
# each report (what the running bench holds on top of that).
import gc
import json
import sys

from benchctl.sim.runner import replay


def _tape(path):
    with open(path) as f:
        for line in f:
            yield json.loads(line)


def main(argv):
    tape, board_path, config_path, bench_id, out_path, seed = argv[:6]
    heap_path = argv[6] if len(argv) > 6 else None
    with open(board_path) as f:
        board = json.load(f)
    with open(config_path) as f:
        setup = json.load(f)
    heap = []
    gc.collect()
    loaded = gc.mem_alloc()

    def write(line):
        print(line)
        if heap_path is not None and "INFO  report:" in line:
            gc.collect()
            heap.append(gc.mem_alloc() - loaded)

    config_json = setup["config_json"].encode() if setup["config_json"] is not None else None
    totals = replay(board, _tape(tape), setup["values"], config_json, bench_id, write, int(seed))
    with open(out_path, "w") as f:
        f.write(json.dumps(totals))
    if heap_path is not None:
        gc.collect()
        with open(heap_path, "w") as f:
            f.write(json.dumps({"loaded": loaded, "after_reports": heap, "end": gc.mem_alloc() - loaded,
                                "free": gc.mem_free()}))


main(sys.argv[1:])
