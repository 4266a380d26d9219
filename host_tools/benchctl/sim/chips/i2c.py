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
    """Subclasses implement `register(reg)` -> 16-bit value and `store(reg, value)`.
    Register values are kept until the chip's inputs change (`changed()`); a stuck chip
    keeps them whatever changes, which is what `stuck` means."""

    def __init__(self, rng):
        self.rng = rng
        self.fault = Fault.NONE
        self.present = False
        self.regs = {}  # register -> value, since the inputs last changed

    def answers(self):
        return self.present and self.fault != Fault.NACK

    def changed(self):
        if self.fault != Fault.STUCK:
            self.regs.clear()

    def set_fault(self, fault):
        self.fault = fault
        if fault == Fault.NONE:
            self.regs.clear()

    def write_from(self, reg, buf):
        if len(buf) >= 2 and self.fault != Fault.STUCK:
            self.store(reg, (buf[0] << 8) | buf[1])
            self.regs.clear()


class FakeI2C:
    def __init__(self):
        self.chips = {}

    def attach(self, addr, chip):
        self.chips[addr] = chip

    def _chip(self, addr):
        chip = self.chips.get(addr)
        if chip is None or not chip.answers():
            raise OSError(_ENODEV)
        return chip

    def readfrom_mem_into(self, addr, reg, buf):
        # One function for the whole read: this runs ten times a simulated sample, so a chip
        # without a fault (Fault.NONE is 0) costs one truth test for it.
        chip = self.chips.get(addr)
        if chip is None or not chip.present:
            raise OSError(_ENODEV)
        fault = chip.fault
        if fault:
            if fault == Fault.NACK:
                raise OSError(_ENODEV)
            if fault == Fault.GARBAGE:
                chip.rng.fill(buf)
                return
        value = chip.regs.get(reg)
        if value is None:
            value = chip.regs[reg] = chip.register(reg) & 0xFFFF
        buf[0] = value >> 8
        buf[1] = value & 0xFF

    def writeto_mem(self, addr, reg, buf):
        self._chip(addr).write_from(reg, buf)

    def scan(self):
        return sorted([a for a in self.chips if self.chips[a].answers()])
