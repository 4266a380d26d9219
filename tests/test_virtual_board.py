"""The virtual board: the real MicroPython unix port on a pseudo-terminal, which mpremote
drives unchanged — run code, copy files to its own folder, list them, soft-reset it."""

import contextlib
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


def test_mpremote_reaches_the_board_over_its_socket_endpoint_too(tmp_path):
    from conftest import free_port

    port = free_port()
    with VirtualBoard(tmp_path / "flash", tcp_port=port) as b:
        done = subprocess.run([MPREMOTE, "connect", f"socket://127.0.0.1:{port}", "exec", "print(6 * 7)"],
                              capture_output=True, text=True, timeout=30)
        assert done.returncode == 0 and done.stdout.strip() == "42", done.stderr
        assert b.device.startswith("/dev/pts/")


def console_says(device, *commands, seconds=2.0):
    import io

    from benchctl.console import Console, run

    out = io.StringIO()
    run(device, Console(out), send=list(commands), seconds=seconds)
    return out.getvalue()


def test_the_flashed_virtual_board_is_a_bench_that_reboots_and_stops_for_ctrl_c(bench_board, tmp_path):
    from benchctl.flash.banner import BannerError, await_banner
    from benchctl.flash.fleet import Options, Row, flash_one

    flash_one(Row("SM-090", "virtual", bench_board.device), Options(tmp_path / "work"))
    said = console_says(bench_board.device, "status", "reboot", seconds=4)
    assert "bench SM-090 fw 0.1.0 board virtual up" in said
    assert "bench SM-090 firmware 0.1.0 board virtual boot 2 reset soft" in said  # `reboot`: a new interpreter
    # Ctrl-C stops main.py as on a board: the REPL answers again.
    assert mpremote(bench_board, "exec", "print('at the REPL')").strip() == "at the REPL"
    with pytest.raises(BannerError, match=r"booted as bench SM-090 firmware 0\.1\.0, not SM-091 0\.1\.0: flash it again"):
        await_banner(bench_board.device, "SM-091", "0.1.0", timeout=10)


def test_a_main_py_that_stops_before_the_bench_starts_is_named_at_once(board):
    from benchctl.flash.banner import BannerError, await_banner

    (board.root / "main.py").write_text("import no_such_module\n")
    with pytest.raises(BannerError, match=r"main\.py stopped before the bench started \(ImportError: no module named "
                                          r"'no_such_module'\)"):
        await_banner(board.device, "SM-1", "0.1.0", timeout=20)


def test_the_trace_running_out_leaves_the_sensors_as_they_were_and_the_bench_running(tmp_path):
    from benchctl.flash.fleet import Options, Row, flash_one
    from benchctl.virtual.surroundings import prepare
    from conftest import write_trace

    short = write_trace(tmp_path / "short.jsonl", [{"t": 0, "solar_v": 18.0, "solar_a": 1.0, "batt_v": 13.2,
                                                    "batt_a": 0.5}, {"t": 60, "batt_a": 0.4}])
    prepare(tmp_path / "s", short, speed=600)
    with VirtualBoard(tmp_path / "flash", tmp_path / "s") as b:
        flash_one(Row("SM-092", "virtual", b.device), Options(tmp_path / "work"))
        said = console_says(b.device, "status", seconds=3)
    assert "solar 18 V 1 A" in said
    with pytest.raises(ValueError, match="speed 0: must be a whole number"):
        prepare(tmp_path / "s", short, speed=0)


def test_benchctl_virtual_starts_a_board_and_names_a_bad_trace(tmp_path, capsys):
    from benchctl.cli import main

    assert main(["virtual", str(tmp_path / "vb"), "--seconds", "0.5"]) == 0
    assert "virtual board on /dev/pts/" in capsys.readouterr().out
    assert (tmp_path / "vb" / "surroundings" / "tape.jsonl").stat().st_size > 0
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"format": "bench-trace", "version": 1, "bench": "SM-1", "start": "2026-06-21T00:00:00Z"}\n'
                   '{"t": "noon"}\n')
    assert main(["virtual", str(tmp_path / "vb2"), "--trace", str(bad)]) == 2
    assert f"benchctl virtual: {bad}:2:" in capsys.readouterr().err


def test_a_bench_that_cannot_start_is_named_by_the_banner_wait(board):
    from benchctl.flash.banner import BannerError, await_banner

    (board.root / "main.py").write_text(
        "import time\nprint('bench cannot start: OSError: I2C bus stuck low; restarting in 5 s')\ntime.sleep(30)\n")
    with pytest.raises(BannerError, match=r"the firmware is on the board but says: bench cannot start: OSError: "
                                          r"I2C bus stuck low"):
        await_banner(board.device, "SM-1", "0.1.0", timeout=20)


def test_output_nobody_reads_is_dropped_and_counted_never_a_frozen_board(tmp_path):
    # The console over the socket reads; the terminal nobody opened cannot: what it would have
    # held is dropped and counted, and the board goes on, as one on a USB-serial adapter does.
    from benchctl.flash.deploy import mpremote
    from benchctl.virtual.board import VirtualBoard
    from conftest import free_port

    port = free_port()
    with VirtualBoard(tmp_path / "flash", tcp_port=port) as board:
        code = "for i in range(3000): print('x' * 60)\nprint('done')"
        out = mpremote(f"socket://127.0.0.1:{port}", "exec", code, timeout=60)
        assert out.rstrip().endswith("done") and out.count("x" * 60) == 3000
        assert board.dropped > 0
        # A reader that keeps up, however slowly, loses nothing (a USB cable's flow control).
        dropped = board.dropped
        out = mpremote(board.device, "exec", code, timeout=60)
        assert out.count("x" * 60) == 3000 and out.rstrip().endswith("done")
        assert board.dropped == dropped


def test_a_linked_board_has_the_name_an_inventory_gave_it_while_it_runs(tmp_path, capsys):
    import threading

    from benchctl.cli import main

    link = tmp_path / "bench-1"
    seen = {}

    def look():
        import time

        for _ in range(100):
            if link.is_symlink():
                seen["target"] = os.readlink(link)
                return
            time.sleep(0.05)

    import os

    watcher = threading.Thread(target=look)
    watcher.start()
    assert main(["virtual", str(tmp_path / "vb"), "--seconds", "2", "--link", str(link)]) == 0
    watcher.join()
    out = capsys.readouterr().out
    assert seen["target"].startswith("/dev/pts/") and f"(also {link})" in out and f"benchctl flash {link}" in out
    assert not link.exists() and not link.is_symlink(), "the link goes with the board"
    (tmp_path / "file").write_text("x")
    assert main(["virtual", str(tmp_path / "vb"), "--seconds", "0.1", "--link", str(tmp_path / "file")]) == 2
    assert "is a file, not a link" in capsys.readouterr().err


def _watchdog_of(board, ms):
    """Give the running bench a watchdog of `ms` (wall clock): its board.json, then a reboot;
    and take its firmware's modules away, so that the next flash copies all of them again (a
    new version), which takes longer than that watchdog."""
    import json
    import shutil

    spec = json.loads((board.root / "board.json").read_text())
    spec["watchdog_ms"] = ms
    (board.root / "board.json").write_text(json.dumps(spec))
    assert "reset soft" in console_says(board.device, "reboot", seconds=3)
    shutil.rmtree(board.root / "bench")


def test_a_flash_longer_than_the_watchdog_keeps_the_running_bench_alive(tmp_path):
    # The watchdog keeps counting once mpremote's Ctrl-C has stopped the loop, and a flash of
    # a new firmware takes longer than this one's 0.7 s. main.py's keep_alive, which the flash
    # calls first (install.KEEP_ALIVE), holds it.
    from benchctl.flash.fleet import Options, Row, flash_one
    from benchctl.virtual.surroundings import prepare
    from conftest import TRACES

    prepare(tmp_path / "surroundings", TRACES / "park-summer-day.jsonl", speed=10)
    log = tmp_path / "surroundings" / "watchdog.log"
    with VirtualBoard(tmp_path / "flash", tmp_path / "surroundings") as board:
        flash_one(Row("SM-091", "virtual", board.device), Options(tmp_path / "first"))
        _watchdog_of(board, 700)
        said = flash_one(Row("SM-091", "virtual", board.device), Options(tmp_path / "held"))
        assert not log.exists(), log.read_text()
        assert "verified; booted: bench SM-091" in said
        # Without the hook, the same watchdog resets the board under a longer mpremote command.
        _watchdog_of(board, 700)
        with contextlib.suppress(subprocess.TimeoutExpired):
            subprocess.run([MPREMOTE, "connect", board.device, "resume", "exec", "import time\ntime.sleep(2)"],
                           capture_output=True, timeout=5)
        assert log.read_text().startswith("not fed for 700 ms")
