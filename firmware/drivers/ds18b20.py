# Maxim DS18B20 temperature sensors on a 1-Wire bus (datasheet 19-7487 Rev 6): battery and air.
# The bus object is MicroPython's onewire.OneWire (reset/writebyte/write/readinto/select_rom/scan).
# Conversion takes 750 ms at 12 bits, so `start` and `read` are one sample apart: nothing waits.
from micropython import const

_SKIP_ROM = const(0xCC)
_CONVERT_T = const(0x44)
_READ_SCRATCHPAD = const(0xBE)
_FAMILY_DS18B20 = const(0x28)
_POWER_ON_RAW = const(0x0550)  # 85.0 degC: the scratchpad before any conversion (table 2)


# Dallas/Maxim CRC-8 (x^8 + x^5 + x^4 + 1, reflected) four bits at a time (Maxim AN27): two
# 16-entry tables instead of eight shifts per bit.
_CRC_LO = b"\x00\x5e\xbc\xe2\x61\x3f\xdd\x83\xc2\x9c\x7e\x20\xa3\xfd\x1f\x41"
_CRC_HI = b"\x00\x9d\x23\xbe\x46\xdb\x65\xf8\x8c\x11\xaf\x32\xca\x57\xe9\x74"


def crc8(data):
    """The datasheet's CRC generator over `data`; 0 over data that ends in its own CRC."""
    crc = 0
    for byte in data:
        crc ^= byte
        crc = _CRC_LO[crc & 0x0F] ^ _CRC_HI[crc >> 4]
    return crc


class DS18B20:
    """Temperatures in millidegrees C by ROM code; `read(rom)` raises OSError on a bad answer."""

    def __init__(self, ow):
        self.ow = ow
        self._pad = bytearray(9)
        self.converting = False

    def scan(self):
        """ROM codes of the DS18B20s on the bus, as lowercase hex, in bus order."""
        found = []
        for rom in self.ow.scan():
            if rom[0] == _FAMILY_DS18B20 and crc8(rom[:7]) == rom[7]:
                found.append("".join("%02x" % b for b in rom))
        return found

    def start(self):
        """Every sensor on the bus starts a conversion (SKIP ROM + CONVERT T)."""
        if not self.ow.reset(True):
            raise OSError("1-Wire: no presence pulse")
        self.ow.writebyte(_SKIP_ROM)
        self.ow.writebyte(_CONVERT_T)
        self.converting = True

    def read(self, rom_hex):
        """The last conversion of sensor `rom_hex`, in millidegrees C."""
        rom = bytearray(8)
        for i in range(8):
            rom[i] = int(rom_hex[2 * i:2 * i + 2], 16)
        if not self.ow.reset(True):
            raise OSError("1-Wire: no presence pulse")
        self.ow.select_rom(rom)
        self.ow.writebyte(_READ_SCRATCHPAD)
        self.ow.readinto(self._pad)
        if crc8(self._pad[:8]) != self._pad[8]:
            raise OSError("DS18B20 %s: scratchpad CRC mismatch" % rom_hex)
        raw = self._pad[0] | (self._pad[1] << 8)
        if raw & 0x8000:
            raw -= 0x10000
        if raw == _POWER_ON_RAW and not self.converting:
            raise OSError("DS18B20 %s: no conversion yet" % rom_hex)
        return raw * 125 // 2  # 1/16 degC per bit at 12-bit resolution (table 1)
