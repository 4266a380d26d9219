"""MicroPython on the board, before the firmware: found and checked over the raw REPL, installed
on a blank board from a UF2 drive (a virtual board that boots once the image lands) or with the
real esptool, and every way it can go wrong named with what to do: wrong chip (the running
MicroPython, the image, the UF2 drive, esptool's own detection against a fake ESP ROM), too old,
nothing answering, no download. The real esptool writes a whole image into the fake ROM's
flash and checks its MD5."""

import struct
import threading
import time

import pytest

from benchctl.flash import install
from benchctl.flash.deploy import FlashError
from benchctl.virtual.board import VirtualBoard
from esp_rom import FakeEspRom

RP2040 = {"platform": "linux", "board": "RPI_PICO", "install": "uf2", "family": "0xe48bff56", "drive": "RPI-RP2"}
ESP32 = {"platform": "esp32", "board": "ESP32_GENERIC", "install": "esptool", "chip": "esp32", "chip_id": 0,
         "offset": "0x1000"}


def uf2(family: int, blocks: int = 2) -> bytes:
    """A UF2 file as the spec lays it out: 512-byte blocks, two magics, flags, family, end magic."""
    out = b""
    for n in range(blocks):
        head = struct.pack("<IIIIIIII", 0x0A324655, 0x9E5D5157, 0x00002000, 0x10000000 + 256 * n, 256, n, blocks,
                           family)
        out += head + bytes(256) + bytes(476 - 256) + struct.pack("<I", 0x0AB16F30)
    return out


def esp_image(chip_id: int) -> bytes:
    # esptool's image header: magic 0xE9, segments, flash mode/size, entry; the extended
    # header's chip id at offset 12
    return bytes([0xE9, 3, 2, 0x20]) + bytes(8) + struct.pack("<H", chip_id) + bytes(4096 - 14)


@pytest.fixture
def blank(tmp_path):
    with VirtualBoard(tmp_path / "flash", blank=True) as b:
        yield b


def test_the_micropython_on_a_board_is_found_and_a_current_one_is_left_alone(tmp_path):
    with VirtualBoard(tmp_path / "flash") as board:
        platform, version = install.probe(board.device)
        assert platform == "linux" and version >= install.MINIMUM
        spec = {"name": "virtual", "micropython": {"platform": "linux"}}
        assert install.ensure(board.device, spec, None) == "MicroPython {}.{}.{}".format(*version)


def test_too_old_a_micropython_is_named_with_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr(install, "MINIMUM", (9, 0, 0))
    too_old = (r"MicroPython 1\.\d+\.\d+ is too old \(the firmware needs 9\.0\.0 or newer\): give --micropython FILE "
               r"or --download to install 1\.28\.0")
    with VirtualBoard(tmp_path / "flash") as board, pytest.raises(FlashError, match=too_old):
        install.ensure(board.device, {"name": "virtual", "micropython": {"platform": "linux"}}, None)


def test_a_silent_board_without_an_image_is_not_called_blank_before_a_reset_is_tried(blank):
    with pytest.raises(FlashError, match=r"nothing answers on the port.*press its reset button.*Only a new, blank "
                                         r"board needs --micropython FILE"):
        install.ensure(blank.device, {"name": "rp2040-rak3172", "micropython": RP2040}, None)


def test_a_blank_rp2040_gets_micropython_from_its_uf2_drive_and_boots_it(blank, tmp_path):
    drive = tmp_path / "RPI-RP2"
    drive.mkdir()
    (drive / "INFO_UF2.TXT").write_text("UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\nBoard-ID: RPI-RP2\n")
    image = tmp_path / "RPI_PICO-v1.28.0.uf2"
    image.write_bytes(uf2(0xE48BFF56))

    def boot_rom():  # what the RP2040's boot ROM does: takes the file, writes it, restarts
        for _ in range(300):
            if (drive / image.name).exists():
                assert (drive / image.name).read_bytes() == image.read_bytes()
                blank.install_micropython()
                return
            time.sleep(0.05)

    rom = threading.Thread(target=boot_rom)
    rom.start()
    said = []
    done = install.ensure(blank.device, {"name": "rp2040-rak3172", "micropython": RP2040}, image, drive, said.append)
    rom.join()
    assert done.startswith("MicroPython 1.") and done.endswith(" installed")
    assert said == ["installing MicroPython from RPI_PICO-v1.28.0.uf2"]


def test_images_for_another_chip_are_refused_before_the_board_is_touched(tmp_path):
    s2 = tmp_path / "s2.uf2"
    s2.write_bytes(uf2(0xBFDD4EEE))  # the ESP32-S2's UF2 family
    with pytest.raises(FlashError, match=r"wrong chip: .*s2\.uf2 is a UF2 for family 0xbfdd4eee, this board takes "
                                         r"0xe48bff56 \(RPI-RP2\): use the \.uf2 for RPI_PICO"):
        install.check_image(s2, RP2040)
    s3 = tmp_path / "s3.bin"
    s3.write_bytes(esp_image(9))
    with pytest.raises(FlashError, match=r"wrong chip: .*s3\.bin is built for ESP chip id 9, this board is esp32"):
        install.check_image(s3, ESP32)
    with pytest.raises(FlashError, match="is not a UF2 file"):
        install.check_image(s3, RP2040)
    with pytest.raises(FlashError, match="is not an ESP firmware image"):
        install.check_image(s2, ESP32)
    install.check_image(tmp_path / "s3.bin", dict(ESP32, chip="esp32s3", chip_id=9))  # the right one passes


def test_a_uf2_drive_of_another_chip_is_named(tmp_path):
    drive = tmp_path / "RP2350"
    drive.mkdir()
    (drive / "INFO_UF2.TXT").write_text("UF2 Bootloader v1.0\nModel: Raspberry Pi RP2350\nBoard-ID: RP2350\n")
    with pytest.raises(FlashError, match=r"wrong chip: the UF2 drive at .*RP2350 says Board-ID: RP2350"):
        install.find_drive(RP2040, drive, 1)
    with pytest.raises(FlashError, match=r"no UF2 drive found .*hold BOOTSEL"):
        install.find_drive(RP2040, tmp_path / "nowhere", 0.2)


def test_esptool_finding_another_chip_is_a_wrong_chip_error(tmp_path):
    rom = FakeEspRom("ESP32-S3")
    device = rom.start()
    try:
        image = tmp_path / "esp32.bin"
        image.write_bytes(esp_image(0))
        with pytest.raises(FlashError, match=r"wrong chip: This chip is ESP32-S3, not ESP32\. Check the board column"):
            install._esptool(device, ESP32, image)
        assert rom.commands[0] == 0x08  # esptool really synced with it
    finally:
        rom.stop()


def test_esptool_writes_the_image_where_micropython_goes_and_verifies_it(tmp_path):
    rom = FakeEspRom("ESP32")
    device = rom.start()
    try:
        image = tmp_path / "ESP32_GENERIC-v1.28.0.bin"
        image.write_bytes(esp_image(0) + bytes(range(256)) * 64)
        rom.flash[0x200000:0x200004] = b"old!"  # what the board had: erased with the rest
        install._esptool(device, ESP32, image)
        written = image.read_bytes()
        assert rom.flash[0x1000:0x1000 + len(written)] == written  # at 0x1000, after the ESP32's ROM area
        assert rom.flash[0x200000:0x200004] == b"\xff\xff\xff\xff"
        assert 0x13 in rom.commands  # esptool checked the MD5 of what it wrote
    finally:
        rom.stop()


def test_an_esp32_whose_bootloader_does_not_answer_says_how_to_start_it(blank, tmp_path):
    image = tmp_path / "esp32.bin"
    image.write_bytes(esp_image(0))
    with pytest.raises(FlashError, match="no ESP32 bootloader answered: hold BOOT, press and release EN"):
        install._esptool(blank.device, ESP32, image)


def test_a_download_that_cannot_reach_the_internet_says_to_bring_the_file(tmp_path, monkeypatch):
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens there: no network, whatever the machine has
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(FlashError, match=r"could not download MicroPython 1\.28\.0 for RPI_PICO with mpflash .*give "
                                         r"--micropython FILE"):
        install.download(RP2040, tmp_path / "images")


def test_a_board_that_answers_garbled_is_a_wrong_baud_not_a_blank_board(tmp_path):
    # A pseudo-terminal whose far end answers every Ctrl-C with what a board at another baud
    # rate looks like: bytes that are not text.
    import os
    import pty
    import threading
    import tty

    master, slave = pty.openpty()
    tty.setraw(slave)
    stop = threading.Event()

    def board():
        while not stop.is_set():
            try:
                data = os.read(master, 64)
            except OSError:
                return
            if b"\x03" in data:
                os.write(master, bytes([0xF8, 0x80, 0xFE, 0x00, 0x9C, 0xE0] * 8))

    threading.Thread(target=board, daemon=True).start()
    try:
        with pytest.raises(FlashError, match=r"the board answers, but garbled .* a wrong baud rate"):
            install.probe(os.ttyname(slave))
    finally:
        stop.set()
        os.close(master)
    assert install.garbled(b"\xf8\x80\xfe\x00\x9c") and not install.garbled(b"MicroPython v1.28.0\r\n>>> ")
