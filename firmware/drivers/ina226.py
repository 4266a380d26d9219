# TI INA226 bidirectional current and power monitor on I2C (datasheet SBOS547A): the PV panel's
# and the battery's voltage and current. Raises OSError when the chip does not answer.
from micropython import const

_REG_CONFIG = const(0x00)
_REG_BUS = const(0x02)
_REG_CURRENT = const(0x04)
_REG_CALIBRATION = const(0x05)
_REG_MANUFACTURER = const(0xFE)
_REG_DIE = const(0xFF)
_MANUFACTURER_TI = const(0x5449)
_DIE_INA226 = const(0x2260)
# 7.6.1: reset bits 14-12 = 100, AVG = 16 (010), VBUSCT = VSHCT = 1.1 ms (100), shunt and
# bus continuous (111). Averaging 16 x 2.2 ms smooths PWM ripple from the charge controller.
_CONFIG = const(0x4527)


class INA226:
    """Bus voltage in mV and signed current in mA (positive into the battery / from the panel)."""

    def __init__(self, i2c, addr, shunt_uohm, max_a):
        self.i2c = i2c
        self.addr = addr
        self._buf = bytearray(2)
        # 7.5: Current_LSB = max current / 2**15, rounded up to a whole microamp here;
        # CAL = 0.00512 / (Current_LSB * R_shunt), in integers: 5.12e9 / (uA * uohm).
        self.lsb_ua = (max_a * 1000000 + 32767) // 32768
        self.cal = 5120000000 // (self.lsb_ua * shunt_uohm)
        if not 0 < self.cal < 0x8000:
            raise ValueError("INA226 at 0x%02x: shunt %d uohm and %d A give calibration %d, "
                             "outside 1..32767; check the shunt value" % (addr, shunt_uohm, max_a, self.cal))
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
        """Check the chip's identity, then write configuration and calibration."""
        if self._read(_REG_MANUFACTURER) != _MANUFACTURER_TI or self._read(_REG_DIE) & 0xFFF0 != _DIE_INA226:
            raise OSError("no INA226 at 0x%02x" % self.addr)
        self._write(_REG_CONFIG, _CONFIG)
        self._write(_REG_CALIBRATION, self.cal)
        self.configured = True

    def read(self, verify=True):
        """Refresh `mv` and `ma`. A chip that lost power forgets its calibration: `verify`
        reads it back and sets it again."""
        if not self.configured:
            self.setup()
        elif verify and self._read(_REG_CALIBRATION) != self.cal:
            self.configured = False
            self.setup()
        # Two transactions every sample: read straight into the shared buffer.
        i2c, buf, addr = self.i2c, self._buf, self.addr
        i2c.readfrom_mem_into(addr, _REG_BUS, buf)
        self.mv = ((buf[0] << 8) | buf[1]) * 5 // 4  # 1.25 mV per bit (7.6.3)
        i2c.readfrom_mem_into(addr, _REG_CURRENT, buf)
        raw = (buf[0] << 8) | buf[1]
        if raw & 0x8000:
            raw -= 0x10000
        ua = raw * self.lsb_ua
        self.ma = (ua + 500) // 1000 if ua >= 0 else -((-ua + 500) // 1000)
