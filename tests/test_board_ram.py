"""Board RAM is measured on a MicroPython of the boards' word size (benchctl/figures/board_ram.py):
the 32-bit unix port beside the project, or, where it is absent, a skip that names it."""

import pytest

from benchctl.figures import board_ram
from benchctl.replay import micropython_binary


def test_a_boards_code_is_measured_on_32_bits_and_costs_less_than_on_64():
    i386 = board_ram.interpreter_32bit()
    if i386 is None:
        pytest.skip(f"{board_ram.I386} is absent: no 32-bit heap figures on this machine")
    narrow = board_ram.import_cost("esp32-wifi", i386)
    wide = board_ram.import_cost("esp32-wifi", micropython_binary())
    # Objects, pointers and GC blocks are half the size: the code is about 70 % of the 64-bit figure.
    assert 40 * 1024 < narrow < 0.8 * wide


def test_a_board_without_a_manifest_is_named():
    from benchctl.manifest import ManifestError

    with pytest.raises(ManifestError, match="has no manifest"):
        board_ram.import_cost("esp8266", micropython_binary())


def test_the_32bit_interpreter_replays_a_day_byte_for_byte_as_cpython(tmp_path):
    from benchctl.replay import replay
    from conftest import TRACES

    i386 = board_ram.interpreter_32bit()
    if i386 is None:
        pytest.skip(f"{board_ram.I386} is absent: the 32-bit replay is not checked on this machine")
    day = str(TRACES / "park-summer-day.jsonl")
    replay(day, str(tmp_path / "cpython"))
    replay(day, str(tmp_path / "i386"), engine="micropython", micropython=i386)
    for name in ("summary.json", "uplinks.jsonl"):
        assert (tmp_path / "i386" / name).read_bytes() == (tmp_path / "cpython" / name).read_bytes(), name


def test_a_micropython_that_is_not_there_is_named_before_anything_is_written(tmp_path, capsys):
    from benchctl.cli import main
    from conftest import TRACES

    out = tmp_path / "out"
    code = main(["replay", str(TRACES / "park-summer-day.jsonl"), "--engine", "micropython",
                 "--micropython", str(tmp_path / "nowhere"), "--out", str(out)])
    assert code == 2 and "no such executable" in capsys.readouterr().err
    assert not out.exists()
    code = main(["replay", str(TRACES / "park-summer-day.jsonl"), "--micropython", "/bin/true"])
    assert code == 2 and "needs --engine micropython" in capsys.readouterr().err
