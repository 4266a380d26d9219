# What TI's INA219 and INA226 current monitors share: 16-bit big-endian registers, a
# calibration register computed from the shunt and the largest current, and a signed current
# register in units of Current_LSB (SBOS448G 8.5.1, SBOS547A 7.5).


from drivers.chip_faults import BadData, Stuck


def probe(chip, reg, trial, keep):
    """A stuck chip still answers, with its last values: write `trial` to a register the
    measurement can spare for a moment, read it back (the old value: stuck; anything else:
    bad data), then write `keep` again."""
    chip._write(reg, trial)
    got = chip._read(reg)
    if got != trial:
        if got == keep:
            raise Stuck("%s at 0x%02x does not take writes (stuck)" % (chip.NAME, chip.addr))
        raise BadData("%s at 0x%02x read back 0x%04x for 0x%04x (bad data)" % (chip.NAME, chip.addr, got, trial))
    chip._write(reg, keep)


class Ina2xx:
    """Bus voltage in `mv` and signed current in `ma` (positive into the battery / from the
    panel) after `read()`; raises OSError when the chip does not answer."""

    NAME = "INA2xx"
    CAL_NUMERATOR = 1  # the datasheet's calibration constant, scaled to uA * uohm
    CAL_MAX = 0xFFFF
    SHUNT_FS_UV = 1  # the shunt voltage's full scale, uV

    def __init__(self, i2c, addr, shunt_uohm, max_a):
        self.i2c = i2c
        self.addr = addr
        if max_a * shunt_uohm > self.SHUNT_FS_UV:
            # Beyond it the shunt voltage saturates: every current above full scale / shunt
            # would read as that, and the battery's charge would drift unseen.
            raise ValueError("%s at 0x%02x: %d A across shunt %d uohm is %d mV, beyond its %d mV shunt range; "
                             "check the shunt value or lower the range" % (
                                 self.NAME, addr, max_a, shunt_uohm, max_a * shunt_uohm // 1000,
                                 self.SHUNT_FS_UV // 1000))
        self._buf = bytearray(2)
        # Current_LSB = largest current / 2**15, rounded up to a whole microamp.
        self.lsb_ua = (max_a * 1000000 + 32767) // 32768
        self.cal = self.CAL_NUMERATOR // (self.lsb_ua * shunt_uohm)
        if self.cal > self.CAL_MAX:
            # A small shunt for the range (an INA219 on 2 mOhm for 10 A): the smallest LSB whose
            # calibration fits the register. The datasheet's LSB is a minimum (INA219 8.5.1,
            # INA226 7.5.1): a larger one loses resolution, never range.
            self.lsb_ua = -(-self.CAL_NUMERATOR // (self.CAL_MAX * shunt_uohm))
            self.cal = self.CAL_NUMERATOR // (self.lsb_ua * shunt_uohm)
        if not 0 < self.cal <= self.CAL_MAX:
            raise ValueError("%s at 0x%02x: shunt %d uohm and %d A give calibration %d, outside 1..%d; "
                             "check the shunt value" % (self.NAME, addr, shunt_uohm, max_a, self.cal, self.CAL_MAX))
        self.configured = False
        self.mv = 0
        self.ma = 0

    def _read(self, reg):
        self.i2c.readfrom_mem_into(self.addr, reg, self._buf)
        return (self._buf[0] << 8) | self._buf[1]

    def _write(self, reg, value):
        self._buf[0] = value >> 8
        self._buf[1] = value & 0xFF
        self.i2c.writeto_mem(self.addr, reg, self._buf)

    def _set_current(self, raw):
        """The current register's two's-complement value, to mA rounded half away from zero."""
        if raw & 0x8000:
            raw -= 0x10000
        ua = raw * self.lsb_ua
        self.ma = (ua + 500) // 1000 if ua >= 0 else -((-ua + 500) // 1000)
