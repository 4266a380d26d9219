"""`make firmware`: the board's manifest handed to MicroPython's own build as FROZEN_MANIFEST,
after every prerequisite is checked and named (benchctl/flash/freeze.py). This machine has no
ESP-IDF, so the port's build is a stand-in `make` on PATH that records how it was called."""

import os
import stat

import pytest

from benchctl.flash import freeze
from benchctl.flash.freeze import FreezeError, plan


def _checkout(tmp_path):
    mp = tmp_path / "micropython"
    for port in ("esp32", "rp2"):
        (mp / "ports" / port).mkdir(parents=True)
        (mp / "ports" / port / "Makefile").write_text("")
    (mp / "mpy-cross" / "build").mkdir(parents=True)
    (mp / "mpy-cross" / "build" / "mpy-cross").write_text("")
    return mp


def _tool(folder, name, body="#!/bin/sh\nexit 0\n"):
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def test_each_missing_prerequisite_is_named_before_anything_is_built(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    with pytest.raises(FreezeError, match="unknown board 'esp8266'"):
        plan("esp8266", "ESP32_GENERIC", tmp_path)
    with pytest.raises(FreezeError, match=r"not a MicroPython checkout \(no ports/esp32/Makefile\)"):
        plan("esp32-rak3172", "ESP32_GENERIC", tmp_path)
    mp = _checkout(tmp_path)
    (mp / "mpy-cross" / "build" / "mpy-cross").unlink()
    with pytest.raises(FreezeError, match="mpy-cross is not built"):
        plan("esp32-rak3172", "ESP32_GENERIC", mp)
    mp = _checkout(tmp_path / "again")
    with pytest.raises(FreezeError, match=r"idf\.py is not on PATH: install the esp32 port.s toolchain"):
        plan("esp32-rak3172", "ESP32_GENERIC", mp)
    with pytest.raises(FreezeError, match="arm-none-eabi-gcc is not on PATH"):
        plan("rp2040-rak3172", "RPI_PICO", mp)


def test_the_ports_build_gets_the_boards_manifest_and_the_image_is_kept(tmp_path, monkeypatch, capsys):
    mp = _checkout(tmp_path)
    bin_dir = tmp_path / "bin"
    calls = tmp_path / "calls.txt"
    _tool(bin_dir, "idf.py")
    # The stand-in build: records its arguments and leaves an image where the port's does.
    _tool(bin_dir, "make", f'#!/bin/sh\necho "$@" >> {calls}\nmkdir -p "$2/build-ESP32_GENERIC"\n'
                           f'printf image > "$2/build-ESP32_GENERIC/firmware.bin"\n')
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(freeze, "OUT", tmp_path / "out")
    assert freeze.main(["esp32-rak3172", "--port-board", "ESP32_GENERIC", "--micropython", str(mp)]) == 0
    called = calls.read_text().split()
    assert called[:3] == ["-C", str(mp / "ports" / "esp32"), "BOARD=ESP32_GENERIC"]
    assert called[3] == f"FROZEN_MANIFEST={freeze.BOARDS.resolve() / 'esp32-rak3172' / 'manifest.py'}"
    image = tmp_path / "out" / "esp32-rak3172-ESP32_GENERIC-frozen.bin"
    assert image.read_bytes() == b"image"
    assert "--frozen" in capsys.readouterr().out


def test_a_failed_build_copies_nothing(tmp_path, monkeypatch):
    mp = _checkout(tmp_path)
    bin_dir = tmp_path / "bin"
    _tool(bin_dir, "idf.py")
    _tool(bin_dir, "make", "#!/bin/sh\nexit 2\n")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(freeze, "OUT", tmp_path / "out")
    assert freeze.main(["esp32-rak3172", "--port-board", "ESP32_GENERIC", "--micropython", str(mp)]) == 1
    assert not (tmp_path / "out").exists()
