# A fake I2C bus with machine.I2C's memory API (readfrom_mem_into, writeto_mem), and the
# base of fake chips that answer 16-bit big-endian registers. Faults: `nack` raises OSError
# as machine.I2C does for an address nobody acknowledges; `garbage` answers random bytes;
# `stuck` repeats each register's last answer.

_ENODEV = 19


class Fault:
    NONE = 0
    NACK = 1
    STUCK = 2
    GARBAGE = 3


class RegisterChip:
    """Subclasses implement `register(reg)` -> 16-bit value and `store(reg, value)`."""

    def __init__(self, rng):
        self.rng = rng
        self.fault = Fault.NONE
        self.present = False
        self._stuck = {}

    def answers(self):
        return self.present and self.fault != Fault.NACK

    def read_into(self, reg, buf):
        if self.fault == Fault.GARBAGE:
            self.rng.fill(buf)
            return
        if self.fault == Fault.STUCK and reg in self._stuck:
            value = self._stuck[reg]
        else:
            value = self.register(reg) & 0xFFFF
            self._stuck[reg] = value
        buf[0] = value >> 8
        if len(buf) > 1:
            buf[1] = value & 0xFF

    def write_from(self, reg, buf):
        if len(buf) >= 2:
            self.store(reg, (buf[0] << 8) | buf[1])


class FakeI2C:
    def __init__(self):
        self.chips = {}
        self.transfers = 0

    def attach(self, addr, chip):
        self.chips[addr] = chip

    def _chip(self, addr):
        self.transfers += 1
        chip = self.chips.get(addr)
        if chip is None or not chip.answers():
            raise OSError(_ENODEV)
        return chip

    def readfrom_mem_into(self, addr, reg, buf):
        self.transfers += 1
        chip = self.chips.get(addr)
        if chip is None or not chip.present or chip.fault == Fault.NACK:
            raise OSError(_ENODEV)
        if chip.fault == Fault.NONE:
            value = chip.register(reg) & 0xFFFF
            chip._stuck[reg] = value
            buf[0] = value >> 8
            buf[1] = value & 0xFF
        else:
            chip.read_into(reg, buf)

    def writeto_mem(self, addr, reg, buf):
        self._chip(addr).write_from(reg, buf)

    def scan(self):
        return sorted([a for a in self.chips if self.chips[a].answers()])
