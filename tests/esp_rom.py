"""A fake ESP ROM serial bootloader on a pseudo-terminal: SLIP frames (esptool docs, "Serial
Protocol"), SYNC answered eight times, READ_REG of the chip detect register and
GET_SECURITY_INFO answered as the chosen chip answers them, so esptool finds the chip it is;
then the flasher stub's part of a write (a RAM upload that greets with OHAI, erase, deflated
flash blocks, MD5 of a region) into 4 MB of fake flash that the test can read."""

from __future__ import annotations

import contextlib
import hashlib
import os
import pty
import select
import struct
import threading
import tty
import zlib

_END, _ESC, _ESC_END, _ESC_ESC = 0xC0, 0xDB, 0xDC, 0xDD
_SYNC, _READ_REG, _GET_SECURITY_INFO = 0x08, 0x0A, 0x14
_MEM_END, _ERASE_FLASH, _SPI_FLASH_MD5 = 0x06, 0xD0, 0x13
_DEFL_BEGIN, _DEFL_DATA = 0x10, 0x11
_PLAIN_OK = (0x05, 0x07, 0x09, 0x0B, 0x0D, 0x0F, 0x12)  # MEM_BEGIN/DATA, WRITE_REG, SPI params/attach, baud, DEFL_END
_FLASH_BYTES = 4 * 1024 * 1024
_DETECT_REG = 0x40001000
CHIPS = {  # name: (magic at 0x40001000 or None, chip id in security info or None)
    "ESP32": (0x00F01D83, None),  # its ROM has no GET_SECURITY_INFO
    "ESP32-S3": (None, 9),
}


def _slip(packet: bytes) -> bytes:
    body = packet.replace(bytes([_ESC]), bytes([_ESC, _ESC_ESC])).replace(bytes([_END]), bytes([_ESC, _ESC_END]))
    return bytes([_END]) + body + bytes([_END])


class FakeEspRom:
    def __init__(self, chip: str):
        self.magic, self.chip_id = CHIPS[chip]
        self.commands: list[int] = []
        self.flash = bytearray(b"\xff" * _FLASH_BYTES)
        self.stub = False
        self._write_at = 0
        self._inflate = None
        self._stop = threading.Event()

    def start(self) -> str:
        self._master, self._slave = pty.openpty()
        tty.setraw(self._slave)
        self.device = os.ttyname(self._slave)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self.device

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)

    def _answer(self, op: int, val: int, data: bytes) -> None:
        os.write(self._master, _slip(struct.pack("<BBHI", 1, op, len(data), val) + data))

    def _command(self, packet: bytes) -> None:
        if len(packet) < 8 or packet[0] != 0:
            return
        op = packet[1]
        self.commands.append(op)
        ok = b"\x00\x00\x00\x00"  # status, error, and two reserved bytes (ROMs after the ESP8266)
        if op == _SYNC:
            for _ in range(8):
                self._answer(op, 0x20120707, ok)  # a ROM answers SYNC with a non-zero value
        elif op == _READ_REG:
            (addr,) = struct.unpack_from("<I", packet, 8)
            self._answer(op, self.magic if addr == _DETECT_REG and self.magic is not None else 0, ok)
        elif op == _GET_SECURITY_INFO and self.chip_id is not None:
            info = struct.pack("<IBBBBBBBBII", 0, 0, 0, 0, 0, 0, 0, 0, 0, self.chip_id, 0)
            self._answer(op, 0, info + ok)
        elif op == _MEM_END:
            self._answer(op, 0, ok)
            self.stub = True  # the uploaded stub starts and says hello
            os.write(self._master, _slip(b"OHAI"))
        elif op in _PLAIN_OK:
            self._answer(op, 0, ok)
        elif op == _ERASE_FLASH and self.stub:
            self.flash[:] = b"\xff" * _FLASH_BYTES
            self._answer(op, 0, ok)
        elif op == _DEFL_BEGIN and self.stub:
            _, _, _, offset = struct.unpack_from("<IIII", packet, 8)
            self._write_at, self._inflate = offset, zlib.decompressobj()
            self._answer(op, 0, ok)
        elif op == _DEFL_DATA and self.stub and self._inflate is not None:
            size = struct.unpack_from("<I", packet, 8)[0]
            data = self._inflate.decompress(packet[24:24 + size])
            self.flash[self._write_at:self._write_at + len(data)] = data
            self._write_at += len(data)
            self._answer(op, 0, ok)
        elif op == _SPI_FLASH_MD5 and self.stub:
            addr, size = struct.unpack_from("<II", packet, 8)
            self._answer(op, 0, hashlib.md5(self.flash[addr:addr + size]).digest() + ok)
        else:
            self._answer(op, 0, b"\x01\x05\x00\x00")  # status 1, error 0x05: not a command it knows

    def _serve(self) -> None:
        frame, escaped, inside = bytearray(), False, False
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self._master, 4096)
            except OSError:
                return
            for byte in data:
                if byte == _END:
                    if inside and frame:
                        self._command(bytes(frame))
                    frame, inside = bytearray(), True
                elif not inside:
                    continue
                elif escaped:
                    frame.append(_END if byte == _ESC_END else _ESC)
                    escaped = False
                elif byte == _ESC:
                    escaped = True
                else:
                    frame.append(byte)
