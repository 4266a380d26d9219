"""Every benchctl verb with bad arguments: exit 2 (replay-v1's code for bad input), a message
on stderr that names the culprit, and never a traceback — `| head` included."""

import subprocess
import sys

import pytest

from benchctl.cli import main
from conftest import ROOT, TRACES

DAY = str(TRACES / "park-summer-day.jsonl")


@pytest.mark.parametrize(("argv", "named"), [
    (["nope"], "usage: benchctl"),
    (["replay", "/nope/trace.jsonl"], "/nope/trace.jsonl"),
    (["replay", DAY, "--board", "esp33"], "unknown board 'esp33'"),
    (["replay", DAY, "--heapsize", "abc"], "--heapsize 'abc'"),
    (["replay", DAY, "--config", "/nope.json"], "--config /nope.json"),
    (["decode", "--fport", "1", "zz"], "zz"),
    (["synth", "/nope/x.jsonl"], "no such folder '/nope'"),
    (["synth", "x.jsonl", "--start", "2026-02-30"], "--start '2026-02-30' is not a date"),
    (["synth", "x.jsonl", "--plant", "batery_wh=1"], "--plant 'batery_wh=1'"),
    (["console", "/dev/ttyNOPE", "--seconds", "0.5"], "/dev/ttyNOPE: no such port"),
    (["flash", "/dev/ttyNOPE", "--board", "esp33", "--bench", "SM-1"], "unknown board 'esp33'"),
    (["flash", "/dev/ttyNOPE", "--board", "virtual", "--bench", "SM 1"], "bench id 'SM 1'"),
    (["flash", "/dev/ttyNOPE", "--board", "virtual", "--bench", "SM-1", "--config", "/nope.json"], "/nope.json"),
    (["flash", "/dev/ttyNOPE", "--board", "virtual", "--bench", "SM-1", "--secrets", "/nope.toml"], "/nope.toml"),
    (["flash", "--inventory", "/nope.csv"], "/nope.csv"),
    (["flash"], "give PORT --board NAME --bench ID, or --inventory FILE"),
    (["size", "--panels", "x"], "--panels"),
    (["size", "--batteries", "5"], "battery_wh must be 10..20000"),
])
def test_bad_arguments_exit_2_and_name_the_culprit(argv, named, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    try:
        code = main(argv)
    except SystemExit as e:  # argparse's own refusals exit 2 too
        code = e.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert named in err and "Traceback" not in err


def test_a_reader_that_stops_early_gets_no_traceback():
    script = (f"import sys; sys.argv = ['benchctl', 'replay', {DAY!r}, '--console']; "
              "from benchctl.cli import main; sys.exit(main())")
    done = subprocess.run(f"{sys.executable} -c \"{script}\" | head -2", shell=True, capture_output=True, text=True,
                          cwd=ROOT)
    assert done.stdout.count("\n") == 2 and "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
