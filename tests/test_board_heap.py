"""Each board's firmware runs 30 days in its stock heap less 20 %, on 32 bits, with nothing of
the simulator in the heap: a board tape (sim/board_tape.py) records what the devices answered
in a CPython replay, and the firmware alone plays it back (benchctl/figures/board_heap.py)."""

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchctl.board_schema import BoardError, check
from benchctl.figures import board_heap, board_ram
from benchctl.paths import BOARDS
from benchctl.replay import replay
from benchctl.sim import board_tape
from benchctl.sim.board_player import Player
from benchctl.sim.board_recorder import Recorder
from benchctl.sim.board_tape import Played, Reader, TapeError
from conftest import TRACES

I386 = board_ram.interpreter_32bit()


def _board(name):
    return json.loads((BOARDS / name / "board.json").read_text())


def _record(tmp_path, trace, board):
    lines = []
    tape = tmp_path / f"{board}.tape"
    replay(str(TRACES / trace), None, board_name=board, board_tape=str(tape), echo=lines.append)
    return tape, lines


def _play(tape, board):
    said = []
    with open(tape, "rb") as f:
        player = Player(Reader(f), _board(board), said.append)
        lives = player.play()
    return said, lives


@pytest.mark.parametrize("board", board_ram.BOARDS_ON_BENCHES)
@pytest.mark.parametrize("trace", ["park-autumn-rain.jsonl", "park-winter-cold.jsonl"])
def test_the_firmware_alone_does_from_a_tape_what_it_did_in_the_world(tmp_path, board, trace):
    tape, lines = _record(tmp_path, trace, board)
    said, lives = _play(tape, board)
    assert said == lines  # every console line, the reset's boot banner included
    assert lives == 1 + sum(1 for x in (TRACES / trace).read_text().splitlines() if '"reset"' in x)


def test_a_bench_that_browns_out_and_stays_dark_to_the_end_plays_back_too(tmp_path):
    # Brownouts reset it from inside a sleep, and the trace ends while it is dark: the world
    # ends the replay with no firmware running, and the tape simply ends after the last boot.
    from test_winter import frozen_days

    trace = frozen_days(tmp_path, {"battery_wh": 20, "initial_soc": 0.12, "panel_wp": 20}, days=2, air=-10.0,
                        poa=0.0, demand=2.0)
    lines = []
    tape = tmp_path / "dark.tape"
    summary = replay(str(trace), None, board_name="esp32-rak3172", board_tape=str(tape), echo=lines.append).summary
    assert summary["energy"]["brownouts"] >= 1
    said, lives = _play(tape, "esp32-rak3172")
    assert said == lines
    assert lives >= 1


def test_a_firmware_that_acts_otherwise_stops_at_that_sample(tmp_path):
    tape, _ = _record(tmp_path, "park-autumn-rain.jsonl", "rp2040-rak3172")
    # The same tape under another board's wiring: its firmware polls other devices.
    with pytest.raises(TapeError, match=r"call \d+: .*it does not do what it did when the tape was recorded"):
        _play(tape, "esp32-wifi")
    # A stretch of the tape spoilt: whatever it now says, the playback stops and says where.
    data = bytearray(tape.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 64] = bytes(64)
    bent = tmp_path / "bent.tape"
    bent.write_bytes(bytes(data))
    with pytest.raises(TapeError, match=r"call \d+: |unknown value tag|a boot was expected|more follows"):
        _play(bent, "rp2040-rak3172")


def test_only_the_cpython_engine_records_a_tape_and_says_so_before_writing(tmp_path):
    from benchctl.replay import ReplayError

    tape = tmp_path / "mp.tape"
    with pytest.raises(ReplayError, match="a board tape is recorded by the cpython engine"):
        replay(str(TRACES / "park-winter-cold.jsonl"), str(tmp_path / "out"), engine="micropython",
               board_tape=str(tape))
    assert not tape.exists() and not (tmp_path / "out").exists()


def test_a_cut_tape_says_where_it_ends(tmp_path):
    tape, _ = _record(tmp_path, "park-winter-cold.jsonl", "esp32-rak3172")
    cut = tmp_path / "cut.tape"
    cut.write_bytes(tape.read_bytes()[:100_001])
    with pytest.raises(TapeError, match="the tape ends in the middle of a call, at byte 100001"):
        _play(cut, "esp32-rak3172")


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(1 << 40), 1 << 40) | st.binary(max_size=300) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(st.lists(_VALUES, max_size=6))
def test_every_value_a_device_answers_comes_back_from_the_tape_as_it_was(values):
    f = io.BytesIO()
    recorder = Recorder(f)
    for v in values:
        recorder._value(v)
    recorder.flush()
    reader = Reader(io.BytesIO(f.getvalue()))
    assert [reader.value([]) for _ in values] == values
    assert reader.at_end()


def test_a_device_numbered_past_255_is_played_back_as_itself():
    # A Wi-Fi bench opens a new socket at every reconnection: over a month of link drops its
    # devices outnumber a byte.
    from benchctl.sim.chips.pins import FakePin

    f = io.BytesIO()
    recorder = Recorder(f)
    pins = [recorder._device(FakePin(level=i % 2)) for i in range(300)]
    assert [pins[n].value() for n in (299, 256, 3)] == [1, 0, 1]
    recorder.flush()
    player = Player(Reader(io.BytesIO(f.getvalue())), {}, lambda line: None)
    player.devices = [Played(player, n) for n in range(300)]
    assert [player.devices[n].value() for n in (299, 256, 3)] == [1, 0, 1]
    with pytest.raises(TapeError, match="on device 255, where the tape has value"):
        Player(Reader(io.BytesIO(f.getvalue())), {}, lambda line: None).call(255, 20, ())


def test_each_played_method_carries_its_own_code():
    for i, name in enumerate(board_tape.METHODS):
        assert board_tape.FIRST_CODE + i in getattr(Played, name).__code__.co_consts, name


def test_a_psram_module_keeps_its_psram_pins():
    spec = _board("esp32-rak3172")
    spec["radar"] = dict(spec["radar"], tx=17, rx=16)
    with pytest.raises(BoardError, match=r"pin\(s\) 16, 17 belong to the PSRAM on a ESP32_GENERIC-SPIRAM module"):
        check(spec)
    spec["micropython"] = dict(spec["micropython"], board="ESP32_GENERIC")
    check(spec)  # without PSRAM the pins are free


def test_every_board_on_a_bench_has_a_stock_heap_with_its_source():
    for board in board_ram.BOARDS_ON_BENCHES:
        heap, source = board_heap.stock(board)
        assert heap >= 100_000 and source
        assert board_heap.ceiling(board) == heap * 80 // 100


@pytest.fixture(scope="session")
def ceilings(request):
    """The 30-day runs conftest.py started when the tests were collected: {board: result}."""
    started = getattr(request.config, "board_heap", None)
    if isinstance(started, str):
        pytest.skip(f"{started}: the boards' RAM ceiling is not checked on this machine (make bench prints "
                    "the 64-bit figures instead)")
    assert started is not None, "conftest.py did not start the board heap check"
    proc, out, log = started
    code = proc.wait(timeout=1800)
    log.close()
    assert out.exists(), f"the board heap check wrote nothing (exit {code}): " + \
        out.with_suffix(".log").read_text()[-2000:]
    return json.loads(out.read_text())


ESP32 = [b for b in board_ram.BOARDS_ON_BENCHES if _board(b)["mcu"] == "esp32"]


@pytest.mark.board_heap
@pytest.mark.parametrize("board", [*board_ram.BOARDS_ON_BENCHES, *(board_heap.frozen_key(b) for b in ESP32)])
def test_30_days_run_in_the_boards_stock_heap_less_the_margin_on_32_bits(ceilings, board):
    result = ceilings[board]
    assert "error" not in result, result.get("error")
    run = board_heap.Run(**result["run"])
    if board in board_ram.BOARDS_ON_BENCHES:
        assert run.firmware_heap == board_heap.ceiling(board)
    else:  # frozen: the heap of an ESP32 without PSRAM less the margin, the bytecode given on top
        assert run.firmware_heap == board_heap.frozen_ceiling() + result["allowance"]
        assert result["allowance"] > 60_000
    assert run.reports >= 29 * 96  # 30 days of 15-minute reports, less the ones the resets cost
    assert run.lives == 11  # the bundled days' resets, every third day
    assert run.peak > 60_000  # the firmware's code and data were measured, not nothing
    assert run.growth() < 1024, f"the live heap grew {run.growth()} bytes from the first week to the last"
