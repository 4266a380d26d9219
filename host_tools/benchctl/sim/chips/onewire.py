# A fake 1-Wire bus with MicroPython's onewire.OneWire interface, carrying DS18B20 sensors
# that answer ROM and function commands as the datasheet (19-7487) says: SKIP ROM 0xCC,
# MATCH ROM 0x55, CONVERT T 0x44, READ SCRATCHPAD 0xBE with its CRC, WRITE SCRATCHPAD 0x4E
# (TH, TL, configuration; a stuck sensor takes none of it).


_CRC8 = bytearray(256)  # Maxim's 1-Wire CRC-8 (x^8 + x^5 + x^4 + 1, reflected) of each byte
_CRC8_MADE = [False]  # at first use: no work at import time


def crc8(data):
    table = _CRC8
    if not _CRC8_MADE[0]:
        for value in range(256):
            crc = value
            for _ in range(8):
                crc = (crc >> 1) ^ 0x8C if crc & 1 else crc >> 1
            table[value] = crc
        _CRC8_MADE[0] = True
    crc = 0
    for byte in data:
        crc = table[crc ^ byte]
    return crc


def rom_for(serial):
    rom = bytearray(8)
    rom[0] = 0x28
    for i in range(6):
        rom[1 + i] = (serial >> (8 * i)) & 0xFF
    rom[7] = crc8(rom[:7])
    return bytes(rom)


class FakeDS18B20:
    def __init__(self, serial, rng):
        self.rom = rom_for(serial)
        self.rng = rng
        self.mc = None  # true temperature, millidegrees C; None: not on the bus
        self.fault = 0  # Fault values from sim.i2c
        self.raw = 0x0550  # power-on scratchpad: 85 C
        self.th, self.tl, self.config = 0x4B, 0x46, 0x7F  # table 2's power-up EEPROM copy

    def convert(self):
        if self.mc is not None and self.fault != 2:  # stuck keeps the old conversion
            num = self.mc * 2  # 1/16 C per bit = 125/2 mC, rounded half away from zero
            raw = (num + 62) // 125 if num >= 0 else -((-num + 62) // 125)
            self.raw = raw & 0xFFFF

    def scratchpad(self, buf):
        if self.fault == 3:
            self.rng.fill(buf)
            return
        pad = bytearray((self.raw & 0xFF, self.raw >> 8, self.th, self.tl, self.config, 0xFF, 0x01, 0x10, 0))
        pad[8] = crc8(pad[:8])
        for i in range(min(len(buf), 9)):
            buf[i] = pad[i]


class FakeOneWire:
    def __init__(self):
        self.devices = []
        self._state = None  # None, "rom", "match", "function"
        self._selected = None
        self._match = bytearray()
        self._function = 0
        self._writing = []  # WRITE SCRATCHPAD's three bytes as they come

    def _answering(self):
        return [d for d in self.devices if d.mc is not None and d.fault != 1]

    def reset(self, required=False):
        present = bool(self._answering())
        if required and not present:
            raise OSError(110)
        self._state = "rom"
        self._selected = None
        return present

    def writebyte(self, value):
        if self._state == "rom":
            if value == 0xCC:
                self._selected = "all"
                self._state = "function"
            elif value == 0x55:
                self._match = bytearray()
                self._state = "match"
            return
        if self._state == "match":
            self._match.append(value)
            if len(self._match) == 8:
                self._selected = None
                for d in self._answering():
                    if d.rom == bytes(self._match):
                        self._selected = d
                self._state = "function"
            return
        if self._state == "scratch":
            self._writing.append(value)
            if len(self._writing) == 3:
                d = self._selected
                if d not in (None, "all") and d.fault != 2:  # a stuck sensor takes no writes
                    d.th, d.tl, d.config = self._writing
                self._state = "function"
                self._function = 0
            return
        if self._state == "function":
            if value == 0x4E:
                self._writing = []
                self._state = "scratch"
                return
            if value == 0x44:
                for d in self._answering():
                    if self._selected == "all" or d is self._selected:
                        d.convert()
            self._function = value

    def write(self, buf):
        for b in buf:
            self.writebyte(b)

    def readinto(self, buf):
        d = self._selected
        if self._state == "function" and self._function == 0xBE and d not in (None, "all"):
            d.scratchpad(buf)
            return
        for i in range(len(buf)):
            buf[i] = 0xFF  # nobody pulls the line low

    def select_rom(self, rom):
        self.reset()
        self.writebyte(0x55)
        self.write(rom)

    def scan(self):
        return [bytearray(d.rom) for d in self._answering()]
