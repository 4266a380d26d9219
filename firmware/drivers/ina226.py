# TI INA226 bidirectional current and power monitor on I2C (datasheet SBOS547A): the PV panel's
# and the battery's voltage and current.
from micropython import const

from drivers.ina2xx import Ina2xx, probe

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


class INA226(Ina2xx):
    NAME = "INA226"
    # 7.5: CAL = 0.00512 / (Current_LSB * R_shunt) = 5.12e9 / (uA * uohm); bit 15 unused.
    CAL_NUMERATOR = 5120000000
    CAL_MAX = 0x7FFF
    SHUNT_FS_UV = 81920  # +-81.92 mV, 2.5 uV a bit (SBOS547A 7.6.1)

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
        if not self.configured or (verify and self._read(_REG_CALIBRATION) != self.cal):
            self.configured = False
            self.setup()
        if verify:
            # Calibration two LSBs off for the moment between two writes: under 0.1 % on at
            # most one conversion, the price of telling a stuck chip from a steady reading.
            probe(self, _REG_CALIBRATION, self.cal ^ 2, self.cal)
        # Two transactions every sample: read straight into the shared buffer.
        i2c, buf, addr = self.i2c, self._buf, self.addr
        i2c.readfrom_mem_into(addr, _REG_BUS, buf)
        self.mv = ((buf[0] << 8) | buf[1]) * 5 // 4  # 1.25 mV per bit (7.6.3)
        i2c.readfrom_mem_into(addr, _REG_CURRENT, buf)
        self._set_current((buf[0] << 8) | buf[1])
