# TI INA219 current monitor on I2C (datasheet SBOS448G), the INA226's older sibling, fitted on
# some boards for the PV panel or battery. Same interface as drivers.ina226.INA226.
from micropython import const

_REG_CONFIG = const(0x00)
_REG_BUS = const(0x02)
_REG_CURRENT = const(0x04)
_REG_CALIBRATION = const(0x05)
# 8.6.2.1: BRNG = 32 V, PG = /8 (320 mV), bus and shunt ADCs 12-bit with 16 samples averaged
# (1100), shunt and bus continuous (111).
_CONFIG = const(0x3E67)
_OVF = const(0x0001)


class INA219:
    """Bus voltage in mV and signed current in mA."""

    def __init__(self, i2c, addr, shunt_uohm, max_a):
        self.i2c = i2c
        self.addr = addr
        self._buf = bytearray(2)
        # 8.5.1: Current_LSB = max current / 2**15; Cal = trunc(0.04096 / (Current_LSB * R)).
        self.lsb_ua = (max_a * 1000000 + 32767) // 32768
        self.cal = (40960000000 // (self.lsb_ua * shunt_uohm)) & 0xFFFE  # bit 0 is read-only
        if not 0 < self.cal < 0x10000:
            raise ValueError("INA219 at 0x%02x: shunt %d uohm and %d A give calibration %d, "
                             "outside 2..65534; check the shunt value" % (addr, shunt_uohm, max_a, self.cal))
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

    def setup(self):
        # The INA219 has no ID register: its configuration reading back is the check.
        self._write(_REG_CONFIG, _CONFIG)
        if self._read(_REG_CONFIG) != _CONFIG:
            raise OSError("INA219 at 0x%02x does not keep its configuration" % self.addr)
        self._write(_REG_CALIBRATION, self.cal)
        self.configured = True

    def read(self, verify=True):
        """Refresh `mv` and `ma`; `verify` reads the calibration back (lost on a power dip)."""
        if not self.configured or (verify and self._read(_REG_CALIBRATION) != self.cal):
            self.configured = False
            self.setup()
        i2c, buf, addr = self.i2c, self._buf, self.addr
        i2c.readfrom_mem_into(addr, _REG_BUS, buf)
        bus = (buf[0] << 8) | buf[1]
        if bus & _OVF:
            raise OSError("INA219 at 0x%02x: math overflow, current beyond the shunt range" % self.addr)
        self.mv = (bus >> 3) * 4  # 4 mV per bit in bits 15..3 (8.6.3.2)
        i2c.readfrom_mem_into(addr, _REG_CURRENT, buf)
        raw = (buf[0] << 8) | buf[1]
        if raw & 0x8000:
            raw -= 0x10000
        ua = raw * self.lsb_ua
        self.ma = (ua + 500) // 1000 if ua >= 0 else -((-ua + 500) // 1000)
