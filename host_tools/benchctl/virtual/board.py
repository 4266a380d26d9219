"""The virtual board: the MicroPython unix port on a pseudo-terminal, so that mpremote (and a
field engineer's terminal) talk to it as to a bench on a USB cable. Its filesystem is a folder
of its own, mounted at /. A soft reset (Ctrl-D) ends the unix port's REPL; the board starts a
new interpreter, says "soft reboot" as a board does, and comes back in the REPL mode it was in,
raw or friendly, so mpremote's soft reset works unchanged. Given a folder of surroundings
(virtual/surroundings.py), it is `boards/virtual`: after a reset outside the raw REPL it runs
the deployed main.py, whose chips play that trace."""

from __future__ import annotations

import contextlib
import os
import pty
import select
import subprocess
import threading
import tty
from pathlib import Path

from benchctl.replay import micropython_binary

VBOOT = Path(__file__).with_name("vboot.py")
_RAW_BANNER = b"raw REPL; CTRL-B to exit\r\n"


class VirtualBoard:
    def __init__(self, root: str | Path, surroundings: str | Path | None = None):
        self.root = Path(root).resolve()
        self.surroundings = Path(surroundings).resolve() if surroundings is not None else None
        self._sim = "-"
        self.root.mkdir(parents=True, exist_ok=True)
        self.device = ""
        self.raw = False  # the REPL mode the host last asked for (Ctrl-A raw, Ctrl-B friendly)
        self.resets = 0
        self._proc: subprocess.Popen | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _spawn(self) -> None:
        args = [str(VBOOT), str(self.root), self._sim, str(self.surroundings or "-"), "repl" if self.raw else "main"]
        self._proc = subprocess.Popen([micropython_binary(), "-i", *args],
                                      stdin=self._board_tty, stdout=self._board_tty, stderr=self._board_tty,
                                      close_fds=True, start_new_session=True)

    def start(self) -> str:
        """Start the board; returns the device path to connect to (/dev/pts/N)."""
        self._board_master, self._board_tty = pty.openpty()  # the interpreter's side
        self._host_master, host_tty = pty.openpty()  # the side mpremote or a terminal opens
        tty.setraw(self._board_tty)
        tty.setraw(host_tty)
        self._host_tty = host_tty
        self.device = os.ttyname(host_tty)
        if self.surroundings is not None:
            from benchctl.mpy import replay_tree
            from benchctl.virtual.surroundings import power_on

            self._sim = str(replay_tree()[1])  # the simulator's bytecode (build/mpy/host)
            power_on(self.surroundings)
        self._spawn()
        self._thread = threading.Thread(target=self._relay, daemon=True)
        self._thread.start()
        return self.device

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        for fd in (self._board_master, self._board_tty, self._host_master, self._host_tty):
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> VirtualBoard:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- the cable ---------------------------------------------------------------------------------

    def _relay(self) -> None:
        board, host = self._board_master, self._host_master
        swallow = b""  # after a soft reset into raw mode: drop the new banner up to this
        while not self._stop.is_set():
            ready, _, _ = select.select([board, host], [], [], 0.1)
            if host in ready:
                data = self._read(host)
                for byte in data:
                    if byte == 1:
                        self.raw = True
                    elif byte == 2:
                        self.raw = False
                if data:
                    os.write(board, data)
            if board in ready:
                data = self._read(board)
                if swallow:
                    swallow += data
                    at = swallow.find(_RAW_BANNER)
                    if at < 0:
                        continue
                    data, swallow = swallow[at:], b""
                if data:
                    os.write(host, data)
            if self._proc is not None and self._proc.poll() is not None:
                swallow = self._soft_reset(host)

    @staticmethod
    def _read(fd: int) -> bytes:
        try:
            return os.read(fd, 4096)
        except OSError:
            return b""

    def _soft_reset(self, host: int) -> bytes:
        """The interpreter ended (Ctrl-D): a new one, as a board's soft reset gives."""
        self.resets += 1
        os.write(host, b"soft reboot\r\n" if self.raw else b"MPY: soft reboot\r\n")
        self._spawn()
        if self.raw:
            os.write(self._board_master, b"\x01")  # back into raw mode, as a board stays
            return b"\x00"  # swallow the banner until the raw REPL's own line
        return b""
