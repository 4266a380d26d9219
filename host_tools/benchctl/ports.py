"""Opening a bench's serial port the way every benchctl tool does: exclusively (as mpremote and
esptool do), so that a console and a flash never share a board unknowingly, and with a message
that tells the ordinary failures apart — no such port, permission denied, busy."""

from __future__ import annotations

import errno
import fcntl
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import serial


class PortError(OSError):
    """The port cannot be opened; the message says why and what to do."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind  # "missing", "permission", "busy" or "other"


def explain(device: str, e: BaseException) -> PortError:
    """A pyserial or OS error on opening `device`, as a PortError that names the cause."""
    text = str(e)
    code = getattr(e, "errno", None)
    if code == errno.ENOENT or "No such file or directory" in text:
        return PortError(f"{device}: no such port; is the USB cable in? `ls /dev/ttyUSB* /dev/ttyACM*` lists the "
                         "ports there are", "missing")
    if code in (errno.EACCES, errno.EPERM) or "Permission denied" in text:
        return PortError(f"{device}: permission denied: add yourself to the port's group "
                         "(`sudo usermod -aG dialout $USER`, then log in again)", "permission")
    if code in (errno.EBUSY, errno.EAGAIN) or "exclusively lock" in text or "Resource temporarily unavailable" in text \
            or "busy" in text.lower():
        return PortError(f"{device}: the port is busy: another program has it open (a `benchctl console`, another "
                         "flash, a serial monitor); close it and try again", "busy")
    return PortError(f"{device}: cannot open the port: {text}", "other")


def open_port(device: str, baud: int = 115200, timeout: float = 0.1) -> Any:
    """The port, opened exclusively; PortError otherwise."""
    try:
        return serial.serial_for_url(device, baudrate=baud, timeout=timeout, exclusive=True)
    except (serial.SerialException, OSError, ValueError) as e:
        raise explain(device, e) from None


class Claim:
    """A benchctl tool's hold on a port for the whole of its work (a flash is many mpremote
    runs, each opening the port on its own): an advisory lock file per port, taken without
    waiting. A second flash or a console on the same port finds it taken and says who has it."""

    def __init__(self, device: str, who: str):
        self.device = device
        self.who = who
        self._file: Any = None

    def path(self) -> Path:
        real = os.path.realpath(self.device) if "://" not in self.device else self.device
        name = re.sub(r"[^A-Za-z0-9]+", "_", real).strip("_")
        return Path(tempfile.gettempdir()) / f"benchctl-port-{name}.lock"

    def __enter__(self) -> Claim:
        path = self.path()
        f = open(path, "a+", encoding="utf-8")
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.seek(0)
            holder = f.read().strip() or "another benchctl"
            f.close()
            raise PortError(f"{self.device}: the port is busy: {holder} has it; wait for it to end or stop it",
                            "busy") from None
        f.seek(0)
        f.truncate()
        f.write(f"{self.who} (pid {os.getpid()})")
        f.flush()
        self._file = f
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._file is not None:
            self._file.truncate(0)
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
