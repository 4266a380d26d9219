# Maxim DS18B20 temperature sensors on a 1-Wire bus (datasheet 19-7487 Rev 6): battery and air.
# The bus object is MicroPython's onewire.OneWire (reset/writebyte/write/readinto/select_rom/scan).
# Conversion takes 750 ms at 12 bits, so `start` and `read` are one sample apart: nothing waits.
from micropython import const

from drivers.chip_faults import BadData, Stuck

_SKIP_ROM = const(0xCC)
_CONVERT_T = const(0x44)
_READ_SCRATCHPAD = const(0xBE)
_WRITE_SCRATCHPAD = const(0x4E)  # TH, TL, configuration; not copied to EEPROM without COPY SCRATCHPAD
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

    def _select(self, rom_hex):
        rom = bytearray(8)
        for i in range(8):
            rom[i] = int(rom_hex[2 * i:2 * i + 2], 16)
        if not self.ow.reset(True):
            raise OSError("1-Wire: no presence pulse")
        self.ow.select_rom(rom)

    def _scratchpad(self, rom_hex):
        self._select(rom_hex)
        self.ow.writebyte(_READ_SCRATCHPAD)
        self.ow.readinto(self._pad)
        if crc8(self._pad[:8]) != self._pad[8]:
            raise OSError("DS18B20 %s: scratchpad CRC mismatch" % rom_hex)

    def check(self, rom_hex):
        """A stuck sensor repeats its last reading, as a steady temperature would: write the
        alarm byte TH another value (scratchpad only: no EEPROM wear), read it back — the old
        value means stuck, anything else bad data — and put it back."""
        self._scratchpad(rom_hex)
        keep, tl, config = self._pad[2], self._pad[3], self._pad[4]
        for th in (keep ^ 1, keep):
            self._select(rom_hex)
            self.ow.writebyte(_WRITE_SCRATCHPAD)
            self.ow.write(bytes((th, tl, config)))
            self._scratchpad(rom_hex)
            if self._pad[2] != th:
                if th != keep and self._pad[2] == keep:
                    raise Stuck("DS18B20 %s does not take writes (stuck)" % rom_hex)
                raise BadData("DS18B20 %s read back TH 0x%02x for 0x%02x (bad data)" % (rom_hex, self._pad[2], th))

    def read(self, rom_hex):
        """The last conversion of sensor `rom_hex`, in millidegrees C."""
        self._scratchpad(rom_hex)
        raw = self._pad[0] | (self._pad[1] << 8)
        if raw & 0x8000:
            raw -= 0x10000
        if raw == _POWER_ON_RAW and not self.converting:
            raise OSError("DS18B20 %s: no conversion yet" % rom_hex)
        return raw * 125 // 2  # 1/16 degC per bit at 12-bit resolution (table 1)
