"""The virtual board: the MicroPython unix port on a pseudo-terminal, so that mpremote (and a
field engineer's terminal) talk to it as to a bench on a USB cable; with a TCP port, also at
socket://localhost:PORT. Its filesystem is a folder of its own, mounted at /. A soft reset
(Ctrl-D) ends the unix port's REPL; the board starts a new interpreter, says "soft reboot" as a
board does, and comes back in the REPL mode it was in, raw or friendly, so mpremote's soft reset
works unchanged. Given a folder of surroundings (virtual/surroundings.py), it is
`boards/virtual`: after a reset outside the raw REPL it runs the deployed main.py, whose chips
play that trace. Started blank, it is a board with no MicroPython yet: silent until
install_micropython(). Given a flash size, its filesystem is littlefs in an image of that
size, which fills up as a board's flash does."""

from __future__ import annotations

import contextlib
import os
import pty
import select
import socket
import subprocess
import threading
import time
import tty
from pathlib import Path

from benchctl.replay import micropython_binary

VBOOT = Path(__file__).with_name("vboot.py")
_RAW_BANNER = b"raw REPL; CTRL-B to exit\r\n"
_STALL_S = 1.0  # a reader that takes nothing for this long has stopped reading: drop for it


class VirtualBoard:
    def __init__(self, root: str | Path, surroundings: str | Path | None = None, tcp_port: int | None = None,
                 blank: bool = False, flash_kb: int | None = None):
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.surroundings = Path(surroundings).resolve() if surroundings is not None else None
        self.tcp_port = tcp_port
        self.blank = blank
        self.flash_kb = flash_kb  # a littlefs image of this size (root/flash.img) instead of the folder
        self.device = ""
        self.raw = False  # the REPL mode the host last asked for (Ctrl-A raw, Ctrl-B friendly)
        self.resets = 0
        # Bytes the board sent that nobody read: a USB-serial adapter with no reader drops them,
        # and so does the virtual cable (else an unread terminal would freeze the board).
        self.dropped = 0
        self._stalled: dict[str, float] = {}  # since when a reader has taken nothing
        self._sim = "-"
        self._proc: subprocess.Popen | None = None
        self._stop = threading.Event()
        self._spoke = threading.Event()  # the interpreter printed something: its terminal is set up
        self._thread: threading.Thread | None = None
        self._listener: socket.socket | None = None
        self._client: socket.socket | None = None

    def _spawn(self) -> None:
        args = [str(VBOOT), str(self.root), self._sim, str(self.surroundings or "-"), "repl" if self.raw else "main",
                str(self.flash_kb or "-")]
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
        os.set_blocking(self._host_master, False)
        self.device = os.ttyname(host_tty)
        if self.surroundings is not None:
            from benchctl.mpy import replay_tree
            from benchctl.virtual.surroundings import power_on

            self._sim = str(replay_tree()[1])  # the simulator's bytecode (build/mpy/host)
            power_on(self.surroundings)
        if self.tcp_port is not None:
            self._listener = socket.create_server(("127.0.0.1", self.tcp_port))
        if not self.blank:
            self._spawn()
        self._thread = threading.Thread(target=self._relay, daemon=True)
        self._thread.start()
        if not self.blank:
            # The unix port flushes its terminal's input when it starts (TCSAFLUSH): whatever a
            # host types before that is lost, so the board is ready when it has said something.
            self._spoke.wait(5)
        return self.device

    def install_micropython(self) -> None:
        """A blank board gets MicroPython (what an installer's last step does): it boots."""
        self.blank = False
        self.raw = False
        self._spawn()

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
        for sock in (self._client, self._listener):
            if sock is not None:
                sock.close()

    def __enter__(self) -> VirtualBoard:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- the cable ---------------------------------------------------------------------------------

    def _from_host(self, data: bytes) -> None:
        for byte in data:
            if byte == 1:
                self.raw = True
            elif byte == 2:
                self.raw = False
        if data and self._proc is not None:
            os.write(self._board_master, data)  # a blank board's UART hears nothing

    def _to_host(self, data: bytes) -> None:
        def to_terminal(chunk):
            return os.write(self._host_master, chunk)

        self.dropped += self._send("terminal", to_terminal, data)
        client = self._client
        if client is not None:
            try:
                self.dropped += self._send("socket", client.send, data)
            except OSError:
                client.close()
                self._client = None

    def _send(self, name: str, write, data: bytes) -> int:
        """Write all of `data` to a reader that keeps up, however slowly (a USB cable's flow
        control); drop what a reader that stopped reading for a second leaves (as an adapter
        with nobody listening does). Returns the bytes dropped."""
        view = memoryview(data)
        while view:
            try:
                sent = write(view)
            except BlockingIOError:
                sent = 0
            except OSError:
                if name == "terminal":
                    return len(view)  # nobody has the terminal open: nothing to keep it for
                raise
            if sent:
                view = view[sent:]
                self._stalled.pop(name, None)
                continue
            now = time.monotonic()
            since = self._stalled.setdefault(name, now)
            if now - since > _STALL_S:
                return len(view)
            time.sleep(0.005)
        return 0

    def _relay(self) -> None:
        board, host = self._board_master, self._host_master
        swallow = b""  # after a soft reset into raw mode: drop the new banner up to this
        while not self._stop.is_set():
            watch = [board, host] + [s for s in (self._listener, self._client) if s is not None]
            ready, _, _ = select.select(watch, [], [], 0.1)
            if self._listener is not None and self._listener in ready:
                conn, _ = self._listener.accept()
                if self._client is not None:
                    self._client.close()  # one console at a time, as on a USB cable: the newest wins
                conn.setblocking(False)  # a console that stops reading must not stop the board
                self._client = conn
            if self._client is not None and self._client in ready:
                try:
                    data = self._client.recv(4096)
                except BlockingIOError:
                    data = None
                except OSError:
                    data = b""
                if data is not None:
                    if not data:
                        self._client.close()
                        self._client = None
                    self._from_host(data)
            if host in ready:
                self._from_host(self._read(host))
            if board in ready:
                data = self._read(board)
                if swallow:
                    swallow += data
                    at = swallow.find(_RAW_BANNER)
                    if at < 0:
                        continue
                    data, swallow = swallow[at:], b""
                if data:
                    self._spoke.set()
                    self._to_host(data)
            if self._proc is not None and self._proc.poll() is not None:
                swallow = self._soft_reset()

    @staticmethod
    def _read(fd: int) -> bytes:
        try:
            return os.read(fd, 4096)
        except OSError:
            return b""

    def _soft_reset(self) -> bytes:
        """The interpreter ended (Ctrl-D, or a reset of the bench's own): a new one, as a board's
        reset gives."""
        self.resets += 1
        self._to_host(b"soft reboot\r\n" if self.raw else b"MPY: soft reboot\r\n")
        self._spawn()
        if self.raw:
            os.write(self._board_master, b"\x01")  # back into raw mode, as a board stays
            return b"\x00"  # swallow the banner until the raw REPL's own line
        return b""
