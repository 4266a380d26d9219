"""The virtual board: the real MicroPython unix port on a pseudo-terminal, which mpremote
drives unchanged — run code, copy files to its own folder, list them, soft-reset it."""

import subprocess
import sys
from pathlib import Path

import pytest

from benchctl.virtual.board import VirtualBoard

MPREMOTE = str(Path(sys.executable).with_name("mpremote"))


def mpremote(board, *args):
    done = subprocess.run([MPREMOTE, "connect", board.device, *args], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def board(tmp_path):
    with VirtualBoard(tmp_path / "flash") as b:
        yield b


def test_mpremote_runs_code_on_the_virtual_board(board):
    assert mpremote(board, "exec", "import sys; print(sys.implementation.name, 6 * 7)").strip() == "micropython 42"


def test_files_copied_with_mpremote_land_in_the_boards_own_folder_and_nowhere_else(board, tmp_path):
    source = tmp_path / "config.json"
    source.write_text('{"report_interval_s": 1800}')
    mpremote(board, "fs", "cp", str(source), ":config.json")
    assert (board.root / "config.json").read_text() == '{"report_interval_s": 1800}'
    assert "config.json" in mpremote(board, "fs", "ls")
    assert mpremote(board, "exec", "print(open('/config.json').read())").strip() == '{"report_interval_s": 1800}'
    # / is the board's folder: the host's files are not there.
    assert "ENOENT" in mpremote(board, "exec", "try:\n open('/etc/passwd')\nexcept OSError as e:\n print(e)")


def test_a_soft_reset_starts_a_new_interpreter_and_keeps_the_files(board):
    mpremote(board, "exec", "open('boot_count.txt', 'w').write('1')")
    mpremote(board, "exec", "import builtins; builtins.marker = 1")
    before = board.resets
    mpremote(board, "soft-reset")
    assert board.resets > before
    out = mpremote(board, "exec", "import builtins; print(hasattr(builtins, 'marker'), open('boot_count.txt').read())")
    assert out.strip() == "False 1"  # RAM gone, flash kept
