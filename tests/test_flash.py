"""`benchctl flash` against virtual boards: the firmware compiled for the board's architecture,
copied with mpremote, unchanged files skipped, every file's SHA-256 checked on the board, the
board restarted into the bench it was flashed to be; secrets on the board and nowhere in the
output; a row of benches at once with a bar each and a table."""

import json

import pytest

from benchctl.flash.deploy import FlashError, deploy, stage, verify
from benchctl.virtual.board import VirtualBoard

APPKEY = "5EC12E7A99EE0000000000000000C0DE"  # a LoRaWAN AppKey: on the board, never in any output


@pytest.fixture
def board(tmp_path):
    with VirtualBoard(tmp_path / "flash") as b:
        yield b


def test_a_blank_board_gets_the_firmware_its_id_config_and_secrets_verified(board, tmp_path):
    files = stage("esp32-wifi", "SM-042", tmp_path / "stage", {"report_interval_s": 1800},
                  {"ssid": "parks", "key": "s3cret-key"})
    assert {"main.py", "board.py", "board.json", "wiring.py", "bench_id", "config.json", "network.json",
            "bench/bench.mpy", "bench/wifi.mpy", "drivers/mqtt.mpy"} <= set(files)
    # A Wi-Fi board carries no LoRaWAN link (boards/esp32-wifi/manifest.py).
    assert not {"bench/lorawan.mpy", "bench/airtime.mpy", "drivers/rak3172.mpy"} & set(files)
    first = deploy(board.device, tmp_path / "stage", files)
    assert first.copied == len(files) and first.unchanged == 0
    assert (board.root / "bench_id").read_text() == "SM-042\n"
    assert json.loads((board.root / "config.json").read_text()) == {"report_interval_s": 1800}
    assert (board.root / "bench" / "bench.mpy").read_bytes()[:1] == b"M"  # an .mpy file
    again = deploy(board.device, tmp_path / "stage", files)
    assert again.copied == 0 and again.unchanged == len(files)  # nothing changed, nothing copied


def test_a_file_changed_on_the_board_is_found_and_copied_again(board, tmp_path):
    files = stage("rp2040-rak3172", "SM-043", tmp_path / "stage")
    deploy(board.device, tmp_path / "stage", files)
    (board.root / "board.json").write_text("{}")
    assert verify(board.device, files) == ["board.json"]
    assert deploy(board.device, tmp_path / "stage", files).copied == 1
    assert verify(board.device, files) == []


def test_a_frozen_image_gets_main_py_and_the_benchs_own_files_only(tmp_path):
    # Frozen into the image (make firmware), the modules must not be on the filesystem too:
    # '' comes before '.frozen' on a port's sys.path, so a copy would be loaded into the heap.
    files = stage("esp32-rak3172", "SM-045", tmp_path / "stage", {"report_interval_s": 1800}, frozen=True)
    assert sorted(files) == ["bench_id", "board.json", "config.json", "main.py"]
    whole = stage("esp32-rak3172", "SM-045", tmp_path / "whole")
    assert files["main.py"] == whole["main.py"] and len(whole) > 50


def test_bad_arguments_name_what_is_wrong(tmp_path):
    with pytest.raises(FlashError, match="unknown board 'esp8266'"):
        stage("esp8266", "SM-1", tmp_path / "s")
    with pytest.raises(FlashError, match="bench id 'SM 1' must be"):
        stage("esp32-rak3172", "SM 1", tmp_path / "s")


def test_a_board_that_does_not_answer_is_named_with_what_to_do(tmp_path):
    files = stage("esp32-rak3172", "SM-044", tmp_path / "stage")
    with pytest.raises(FlashError, match="/dev/ttyNOPE: no such port; is the USB cable in"):
        deploy("/dev/ttyNOPE", tmp_path / "stage", files)


def test_benchctl_flash_boots_the_bench_and_never_prints_the_secrets(bench_board, tmp_path, capsys):
    from benchctl.cli import main

    secrets = tmp_path / "secrets.json"
    secrets.write_text(f'{{"deveui": "AC1F09FFFE000050", "joineui": "70B3D57ED0000001", "appkey": "{APPKEY}"}}')
    assert main(["flash", bench_board.device, "--board", "virtual", "--bench", "SM-050", "--secrets", str(secrets)]) == 0
    out = capsys.readouterr()
    assert "SM-050 on " in out.out and "verified; booted: bench SM-050 firmware 0.1.0 board virtual" in out.out
    assert APPKEY not in out.out + out.err
    assert json.loads((bench_board.root / "network.json").read_text())["appkey"] == APPKEY
    assert main(["flash", "/dev/ttyNOPE", "--board", "esp32-wifi", "--bench", "SM-050"]) == 1
    assert "benchctl flash: SM-050: /dev/ttyNOPE" in capsys.readouterr().err


def test_flashing_again_copies_nothing_and_the_bench_boots_again(bench_board, tmp_path):
    from benchctl.flash.fleet import Options, Row, flash_one

    row, opts = Row("SM-051", "virtual", bench_board.device), Options(tmp_path / "work")
    first = flash_one(row, opts)
    assert " copied, 0 unchanged, verified" in first and "boot 1 reset" in first
    again = flash_one(row, opts)
    assert ", 0 copied, " in again and "booted: bench SM-051 firmware 0.1.0 board virtual boot 2" in again


def test_a_row_of_benches_from_an_inventory_is_flashed_at_once_with_a_table(tmp_path, capsys):
    from benchctl.cli import main
    from benchctl.virtual.surroundings import prepare
    from conftest import TRACES

    boards = []
    for n in range(3):
        prepare(tmp_path / f"s{n}", TRACES / "park-summer-day.jsonl", speed=100)
        boards.append(VirtualBoard(tmp_path / f"b{n}", tmp_path / f"s{n}"))
        boards[-1].start()
    try:
        (tmp_path / "slow.json").write_text('{"report_interval_s": 3600}')
        inv = tmp_path / "fleet.csv"
        inv.write_text("bench,board,port,config\n"
                       f"SM-101,virtual,{boards[0].device},\n"
                       f"SM-102,virtual,{boards[1].device},slow.json\n"
                       f"SM-103,rp2040-rak3172,{boards[2].device},\n"
                       "SM-104,esp32-rak3172,/dev/ttyNOPE,\n")
        secrets = tmp_path / "secrets.toml"
        # Every bench of the inventory has its table; an empty one: no keys for that board.
        secrets.write_text(f'[SM-101]\n[SM-103]\n[SM-104]\n[SM-102]\ndeveui = "AC1F09FFFE000102"\n'
                           f'appkey = "{APPKEY}"\n')
        assert main(["flash", "--inventory", str(inv), "--secrets", str(secrets)]) == 1
        out = capsys.readouterr().out
        assert "2 of 4 benches flashed, verified and booted" in out
        assert "SM-104       esp32-rak3172    /dev/ttyNOPE     FAILED: /dev/ttyNOPE: no such port" in out
        assert f"SM-103       rp2040-rak3172   {boards[2].device:<16} FAILED: {boards[2].device}: wrong chip: " \
               "the board runs MicroPython for linux, board rp2040-rak3172 is rp2" in out
        assert APPKEY not in out
        assert (boards[1].root / "bench_id").read_text() == "SM-102\n"
        assert json.loads((boards[1].root / "config.json").read_text()) == {"report_interval_s": 3600}
        assert json.loads((boards[1].root / "network.json").read_text())["appkey"] == APPKEY
        assert not (boards[0].root / "network.json").exists()
        assert not (boards[2].root / "bench_id").exists()  # a wrong chip is found before anything is copied
    finally:
        for b in boards:
            b.stop()


def test_a_toml_inventory_names_the_same_benches_and_a_port_listed_twice_is_refused(tmp_path):
    from benchctl.flash.fleet import Options, inventory, preflight
    from benchctl.flash.preflight import PreflightError

    inv = tmp_path / "fleet.toml"
    inv.write_text('[[bench]]\nbench = "SM-1"\nboard = "virtual"\nport = "/dev/ttyX"\n\n'
                   '[[bench]]\nbench = "SM-2"\nboard = "virtual"\nport = "/dev/ttyX"\n')
    rows = inventory(inv)
    assert [(r.bench, r.board, r.port) for r in rows] == [("SM-1", "virtual", "/dev/ttyX"), ("SM-2", "virtual", "/dev/ttyX")]
    with pytest.raises(PreflightError, match="bench SM-1: /dev/ttyX is listed for more than one bench"):
        preflight(rows, Options(tmp_path / "work"), "fleet.toml")
    (tmp_path / "bad.toml").write_text('[[bench]]\nbench = "SM-1"\n')
    with pytest.raises(PreflightError, match=r"bad.toml:\[\[bench\]\] 1: board, port missing"):
        inventory(tmp_path / "bad.toml")


def test_on_a_terminal_each_board_has_a_bar_redrawn_in_place_and_in_a_log_a_line_per_step():
    import io

    from benchctl.flash.fleet import Row
    from benchctl.flash.view import FlashView

    rows = [Row("SM-1", "virtual", "/dev/pts/7"), Row("SM-2", "virtual", "/dev/pts/8")]
    screen = io.StringIO()
    view = FlashView(rows, screen, terminal=True)
    view(rows[0], "copying", "48 files")
    view(rows[1], "failed", "/dev/pts/8: wrong chip")
    last = screen.getvalue().split("\x1b[2F")[-1]
    assert "SM-1         /dev/pts/7       [#######-----------------] copying: 48 files" in last
    assert "SM-2         /dev/pts/8       [!!!!!!!!!FAILED!!!!!!!!!] failed" in last
    log = io.StringIO()
    view = FlashView(rows, log, terminal=False)
    view(rows[0], "copying", "48 files")
    view(rows[0], "done", "")
    assert log.getvalue() == "  SM-1         /dev/pts/7       copying: 48 files\n  SM-1         /dev/pts/7       done\n"
    assert "\x1b" not in log.getvalue()


def test_a_bad_inventory_is_named_by_file_and_line(tmp_path, capsys):
    from benchctl.cli import main

    inv = tmp_path / "fleet.csv"
    inv.write_text("bench,board,port\nSM-1,esp32-rak3172,\n")
    assert main(["flash", "--inventory", str(inv)]) == 2
    assert f"{inv}:2: port missing" in capsys.readouterr().err


def test_a_raw_repl_that_does_not_answer_at_first_is_tried_once_more(tmp_path, monkeypatch):
    import benchctl.flash.deploy as flash

    calls = tmp_path / "calls"
    fake = tmp_path / "mpremote"
    fake.write_text(f"#!/bin/sh\necho x >> {calls}\n[ $(wc -l < {calls}) -ge 2 ] && {{ echo ok; exit 0; }}\n"
                    "echo 'mpremote: could not enter raw repl' >&2; exit 1\n")
    fake.chmod(0o755)
    monkeypatch.setattr(flash, "MPREMOTE", str(fake))
    assert flash.mpremote("socket://board", "exec", "1", settle_s=0).strip() == "ok"
    assert calls.read_text().count("x") == 2
    calls.write_text("")
    fake.write_text("#!/bin/sh\necho 'mpremote: could not enter raw repl' >&2; exit 1\n")
    with pytest.raises(FlashError, match="the raw REPL does not answer"):
        flash.mpremote("socket://board", "exec", "1", settle_s=0)


def test_a_board_flashed_as_another_bench_keeps_nothing_of_the_old_one(bench_board, tmp_path):
    from benchctl.flash.fleet import Options, Row, flash_one

    opts = Options(tmp_path / "work")
    flash_one(Row("SM-060", "virtual", bench_board.device, {"report_interval_s": 1800}, {"appkey": APPKEY}),
              opts)
    (bench_board.root / "bench" / "retired.mpy").write_bytes(b"M\x06")  # a module an older firmware had
    assert (bench_board.root / "state.json").exists()  # the bench wrote its boot count
    again = flash_one(Row("SM-060", "virtual", bench_board.device), opts)
    # The same bench: its state kept, and the technician's config and keys too, none being given.
    assert "1 removed (bench/retired.mpy), kept the board's config.json and network.json" in again
    assert json.loads((bench_board.root / "network.json").read_text())["appkey"] == APPKEY
    assert (bench_board.root / "state.json").exists() and "boot 2" in again
    told = flash_one(Row("SM-060", "virtual", bench_board.device), Options(tmp_path / "work", remove=("secrets",)))
    assert "removed (network.json)" in told and (bench_board.root / "config.json").exists()
    assert not (bench_board.root / "network.json").exists()
    other = flash_one(Row("SM-061", "virtual", bench_board.device), opts)
    assert "removed (" in other and "state.json" in other and "queue.bin" in other
    assert "booted: bench SM-061 firmware 0.1.0 board virtual boot 1 " in other  # a new bench counts from 1
    # Only the flash's own files: what is mounted beside it (here the simulator and its trace) is untouched.
    assert (tmp_path / "surroundings" / "tape.jsonl").exists()


def test_a_board_whose_flash_is_full_says_so(tmp_path):
    with VirtualBoard(tmp_path / "small", flash_kb=64) as small:  # littlefs in 64 KB: the firmware is bigger
        files = stage("esp32-rak3172", "SM-070", tmp_path / "stage")
        with pytest.raises(FlashError, match=r"the board's flash is full .*remove old files or erase it"):
            deploy(small.device, tmp_path / "stage", files)


def test_a_port_another_program_holds_is_busy(board, tmp_path):
    import serial

    files = stage("esp32-rak3172", "SM-071", tmp_path / "stage")
    with serial.Serial(board.device, exclusive=True), pytest.raises(
            FlashError, match=r"the port is busy: close the program that has it open"):
        deploy(board.device, tmp_path / "stage", files)


def test_a_file_that_differs_after_copying_is_a_verification_error(board, tmp_path):
    from benchctl.flash.deploy import check

    files = stage("esp32-rak3172", "SM-072", tmp_path / "stage")
    deploy(board.device, tmp_path / "stage", files)
    (board.root / "bench" / "queue.mpy").write_bytes(b"M\x06 half a file")  # a copy cut short
    with pytest.raises(FlashError, match=r"1 file\(s\) differ on the board after copying \(bench/queue.mpy\); "
                                         r"the flash may be failing"):
        check(board.device, files)


def test_secrets_that_do_not_fit_the_radio_are_named_without_their_values(tmp_path):
    with pytest.raises(FlashError, match=r"secrets: appkey must be 32 hex digits$"):
        stage("esp32-rak3172", "SM-1", tmp_path / "s", secrets={"appkey": "5EC12E7"})
    with pytest.raises(FlashError, match=r"secrets: 'ssid' is not a LoRaWAN key \(deveui, joineui, appkey\)"):
        stage("rp2040-rak3172", "SM-1", tmp_path / "s", secrets={"ssid": "parks"})
    with pytest.raises(FlashError, match=r"secrets: port must be a number"):
        stage("esp32-wifi", "SM-1", tmp_path / "s", secrets={"ssid": "parks", "port": "1883"})


@pytest.mark.parametrize("name", ["esp32-rak3172", "esp32-wifi", "rp2040-rak3172", "virtual"])
def test_a_board_gets_exactly_what_its_manifest_names(tmp_path, name):
    from benchctl import manifest

    files = stage(name, "SM-044", tmp_path / "stage")
    expected = {t if "/" not in t else t[:-3] + ".mpy" for t in manifest.read(name).files}
    assert set(files) - {"board.json", "bench_id"} == expected


def test_a_board_whose_manifest_is_broken_gets_nothing(tmp_path, monkeypatch):
    from benchctl import manifest

    def broken(board):
        raise manifest.ManifestError("boards/x/manifest.py:3: bench/gone.py does not exist")

    monkeypatch.setattr(manifest, "read", broken)
    with pytest.raises(FlashError, match=r"gone\.py does not exist; nothing was written"):
        stage("esp32-rak3172", "SM-045", tmp_path / "stage")
