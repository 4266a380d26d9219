"""The ordinary mistakes of a day with a box of boards, against virtual boards: each is found
before anything is written (exit 2, the file and key named), a busy port is busy and a board in
the raw REPL is not blank, and nothing on a board is lost — its configuration, its keys, its
state."""

import json
import os
import stat

import pytest
import serial

from benchctl.cli import main
from benchctl.flash.fleet import Options, Row, flash_one

APPKEY = "5EC12E7A99EE0000000000000000C0DE"
KEYS = {"deveui": "AC1F09FFFE000050", "joineui": "70B3D57ED0000001", "appkey": APPKEY}


@pytest.fixture
def flashed(bench_board, tmp_path):
    """A bench in service: flashed with a configuration and its keys."""
    flash_one(Row("SM-080", "virtual", bench_board.device, {"report_interval_s": 1800}, KEYS),
              Options(tmp_path / "work"))
    return bench_board


def board_files(board):
    """What the flash put there: the firmware, the id, the configuration and keys (the running
    bench's own state files change as it runs, each written beside itself as NAME.new and then
    renamed, so either may be there at any moment)."""
    from benchctl.flash.deploy import STATE_FILES

    return {str(p.relative_to(board.root)): p.read_bytes() for p in board.root.rglob("*")
            if p.is_file() and p.name.removesuffix(".new") not in STATE_FILES}


def flash(capsys, *args):
    code = main(["flash", *args])
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.mark.parametrize(("config", "named"), [
    ({"report_interval_s": 5}, "report_interval_s must be 60..86400 s, got 5"),
    ({"report_intervall_s": 900}, "unknown key report_intervall_s (try 'config get') (did you mean 'report_interval_s'?)"),
    ({"min_session_s": 3600, "max_session_s": 600}, "min_session_s (3600) must not be above max_session_s (600)"),
    ({"battery_shunt_uohm": 1000000, "battery_max_a": 200}, "battery_shunt_uohm and battery_max_a:"),
    ("[1, 2]", "must hold one JSON object"),
    ("{not json", "not JSON"),
])
def test_a_bad_configuration_is_refused_before_the_board_is_touched(flashed, tmp_path, capsys, config, named):
    before = board_files(flashed)
    path = tmp_path / "bad.json"
    path.write_text(config if isinstance(config, str) else json.dumps(config))
    code, said = flash(capsys, flashed.device, "--board", "virtual", "--bench", "SM-080", "--config", str(path))
    assert code == 2 and named in said, said
    assert board_files(flashed) == before


def test_typos_in_board_bench_and_image_exit_2_and_name_the_culprit(flashed, tmp_path, capsys):
    before = board_files(flashed)
    code, said = flash(capsys, flashed.device, "--board", "virtaul", "--bench", "SM-080")
    assert code == 2 and "unknown board 'virtaul' (did you mean 'virtual'?)" in said
    code, said = flash(capsys, flashed.device, "--board", "virtual", "--bench", "SM 080")
    assert code == 2 and "bench id 'SM 080' must be 1-32 of" in said
    code, said = flash(capsys, flashed.device, "--board", "virtual", "--bench", "SM-080", "--micropython",
                       str(tmp_path / "nope.bin"))
    assert code == 2 and "nope.bin: no such file" in said
    assert board_files(flashed) == before


def test_inventory_and_secrets_typos_never_delete_a_benchs_keys(flashed, tmp_path, capsys):
    before = board_files(flashed)
    inv = tmp_path / "fleet.csv"
    inv.write_text(f"bench,board,prot\nSM-080,virtual,{flashed.device}\n")
    code, said = flash(capsys, "--inventory", str(inv))
    assert code == 2 and "unknown column(s) 'prot' (did you mean 'port'?)" in said
    inv.write_text(f"bench,board,port\nSM-080,virtual,{flashed.device}\n")
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'[SM-081]\nappkey = "{APPKEY}"\n')
    code, said = flash(capsys, "--inventory", str(inv), "--secrets", str(secrets))
    assert code == 2 and "no secrets for SM-080" in said
    one = tmp_path / "one.json"
    one.write_text(json.dumps(KEYS))
    code, said = flash(capsys, "--inventory", str(inv), "--secrets", str(one))
    assert code == 2 and "that is one bench's secrets; with --inventory give a file keyed by bench id" in said
    assert APPKEY not in said
    assert board_files(flashed) == before
    # Flashed again with no secrets at all: the keys on the board stay.
    code, said = flash(capsys, "--inventory", str(inv))
    assert code == 0 and "kept the board's config.json and network.json" in said
    assert json.loads((flashed.root / "network.json").read_text())["appkey"] == APPKEY


def test_a_console_on_the_port_makes_it_busy_not_blank(flashed, capsys):
    with serial.Serial(flashed.device, exclusive=True):
        code, said = flash(capsys, flashed.device, "--board", "virtual", "--bench", "SM-080")
    assert code == 1 and "the port is busy" in said and "blank" not in said and "--micropython" not in said


def test_a_board_left_in_the_raw_repl_is_flashed_not_called_blank(flashed, tmp_path):
    with serial.Serial(flashed.device, timeout=0.5) as port:
        port.write(b"\r\x03\x03\x01")  # Ctrl-A: the raw REPL, as a crashed tool would leave it
        port.read(200)
    done = flash_one(Row("SM-080", "virtual", flashed.device), Options(tmp_path / "work"))
    assert "verified; booted: bench SM-080" in done


def test_the_staged_keys_are_the_technicians_alone_and_gone_after_the_flash(bench_board, tmp_path, monkeypatch):
    from benchctl.flash import fleet

    seen = {}
    real_copy = fleet.copy

    def copy(port, staged, files):
        mode = (staged / "network.json").stat().st_mode
        seen["file"], seen["folder"] = stat.S_IMODE(mode), stat.S_IMODE(staged.stat().st_mode)
        return real_copy(port, staged, files)

    monkeypatch.setattr(fleet, "copy", copy)
    flash_one(Row("SM-082", "virtual", bench_board.device, None, KEYS), Options(tmp_path / "work"))
    assert seen == {"file": 0o600, "folder": 0o700}
    assert not (tmp_path / "work" / "SM-082" / "network.json").exists()
    assert json.loads((bench_board.root / "network.json").read_text())["appkey"] == APPKEY


def test_a_failed_flash_leaves_the_bench_running_and_says_so(flashed, tmp_path, monkeypatch):
    from benchctl.flash import fleet
    from benchctl.flash.deploy import FlashError

    def broken(port, files):
        raise FlashError(f"{port}: 1 file(s) differ on the board after copying")

    monkeypatch.setattr(fleet, "check", broken)
    with pytest.raises(FlashError, match="the board was restarted and runs the files it has now") as failed:
        flash_one(Row("SM-080", "virtual", flashed.device), Options(tmp_path / "work"))
    assert "flash it again" in str(failed.value)
    with serial.Serial(flashed.device, timeout=0.5) as port:
        heard = b"".join(port.read(512) for _ in range(20))
    assert b"bench SM-080 firmware" in heard or b"INFO" in heard, heard[-300:]


def test_the_console_says_it_is_connected_and_a_missing_port_is_an_error(flashed, capsys, tmp_path):
    assert main(["console", "/dev/ttyNOPE", "--seconds", "1"]) == 2
    assert "/dev/ttyNOPE: no such port" in capsys.readouterr().err
    assert main(["console", "/dev/ttyNOPE", "--seconds", "1", "--wait"]) == 0
    assert "waiting for it" in capsys.readouterr().err
    assert main(["console", flashed.device, "--seconds", "1"]) == 0
    assert f"connected to {flashed.device} at 115200 baud; Ctrl-C quits" in capsys.readouterr().err
    assert main(["console", flashed.device, "--seconds", "1", "--record", str(tmp_path / "no" / "x.jsonl")]) == 2
    assert "cannot write there" in capsys.readouterr().err
    assert os.path.exists(flashed.device)


EXAMPLES = __import__("conftest").ROOT / "docs" / "examples"


@pytest.mark.parametrize("name", ["fleet.csv", "fleet.toml"])
def test_the_example_inventories_and_secrets_pass_every_check(name, tmp_path):
    from benchctl.flash.fleet import inventory, preflight

    rows = inventory(EXAMPLES / name, EXAMPLES / "secrets.toml")
    assert [(r.bench, r.board) for r in rows] == [("SM-101", "esp32-rak3172"), ("SM-102", "esp32-wifi"),
                                                 ("SM-103", "rp2040-rak3172")]
    assert rows[0].config == json.loads((EXAMPLES / "config.json").read_text()) and rows[1].config is None
    assert rows[1].secrets["ssid"] == "smiltene-parks" and len(rows[2].secrets["appkey"]) == 32
    preflight(rows, Options(tmp_path), name)


@pytest.mark.parametrize(("secrets", "board"), [("SM-042.secrets.json", "esp32-rak3172"),
                                                ("SM-050.secrets.json", "esp32-wifi")])
def test_the_example_secrets_for_one_bench_fit_their_radio(secrets, board, tmp_path):
    from benchctl.flash.fleet import preflight, read_secrets
    from benchctl.flash.preflight import read_config

    row = Row("SM-1", board, "/dev/ttyUSB0", read_config(EXAMPLES / "config.json"), read_secrets(EXAMPLES / secrets))
    preflight([row], Options(tmp_path), secrets)


def test_a_reboot_while_recording_keeps_the_reset_and_every_sample_after_it(flashed, tmp_path):
    import io
    import time
    from datetime import UTC, datetime

    from benchctl.console import Console, Recorder, run
    from benchctl.replay.trace import Trace

    class Typist:
        """A field engineer who types `reboot` five seconds into the recording."""

        def __init__(self):
            self.lines = ["reboot\n"]

        def readline(self):
            time.sleep(5)
            return self.lines.pop() if self.lines else ""

    record = tmp_path / "rec.jsonl"
    recorder = Recorder(str(record), lambda: datetime.now(UTC))
    screen = io.StringIO()
    # At 100 times real time the bench samples every 0.1 s.
    assert run(flashed.device, Console(screen, recorder=recorder, show_trace=False), seconds=12,
               stdin=Typist(), err=io.StringIO()) == 0
    assert "TRACE " not in screen.getvalue()  # recorded, not echoed
    trace = Trace(record)
    records = list(trace)
    resets = [i for i, (_, _, events) in enumerate(records) if events and any(e[0] == "reset" for e in events)]
    assert len(resets) == 1, "the restart is in the file as a reset record"
    assert resets[0] >= 5 and len(records) - resets[0] >= 5, "trace on was typed again: samples go on after it"
    assert trace.header.bench == "SM-080"


def test_a_second_flash_or_a_console_on_the_same_port_is_told_the_port_is_busy(flashed, tmp_path):
    import io
    import threading
    import time

    from benchctl.console import Console, run
    from benchctl.flash.deploy import FlashError
    from benchctl.ports import Claim

    before = board_files(flashed)
    with Claim(flashed.device, "a benchctl flash of SM-090"), pytest.raises(
            FlashError, match=r"the port is busy: a benchctl flash of SM-090 \(pid \d+\) has it"):
        flash_one(Row("SM-080", "virtual", flashed.device), Options(tmp_path / "work"))
    err = io.StringIO()
    console = threading.Thread(target=run, args=(flashed.device, Console(io.StringIO())),
                               kwargs={"seconds": 4, "err": err})
    console.start()
    time.sleep(1)
    with pytest.raises(FlashError, match=r"the port is busy: a benchctl console \(pid \d+\) has it"):
        flash_one(Row("SM-080", "virtual", flashed.device), Options(tmp_path / "work"))
    second = io.StringIO()
    assert run(flashed.device, Console(io.StringIO()), seconds=1, err=second) == 2
    assert "the port is busy: a benchctl console (pid" in second.getvalue()
    console.join()
    assert board_files(flashed) == before
    assert "busy" not in err.getvalue()
