"""Opening a bench's serial port the way every benchctl tool does: exclusively (as mpremote and
esptool do), so that a console and a flash never share a board unknowingly, and with a message
that tells the ordinary failures apart — no such port, permission denied, busy."""

from __future__ import annotations

import errno
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
