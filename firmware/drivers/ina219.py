# TI INA219 current monitor on I2C (datasheet SBOS448G), the INA226's older sibling, fitted on
# some boards for the PV panel or battery. Same interface as drivers.ina226.INA226.
from micropython import const

from drivers.ina2xx import Ina2xx, probe

_REG_CONFIG = const(0x00)
_REG_BUS = const(0x02)
_REG_CURRENT = const(0x04)
_REG_CALIBRATION = const(0x05)
# 8.6.2.1: BRNG = 32 V, PG = /8 (320 mV), bus and shunt ADCs 12-bit with 16 samples averaged
# (1100), shunt and bus continuous (111).
_CONFIG = const(0x3E67)
_OVF = const(0x0001)


class INA219(Ina2xx):
    NAME = "INA219"
    # 8.5.1: Cal = trunc(0.04096 / (Current_LSB * R_shunt)) = 4.096e10 / (uA * uohm).
    CAL_NUMERATOR = 40960000000
    CAL_MAX = 0xFFFE
    SHUNT_FS_UV = 320000  # PGA /8, as _CONFIG sets it: +-320 mV (SBOS448G 8.6.2.1)

    def __init__(self, i2c, addr, shunt_uohm, max_a):
        Ina2xx.__init__(self, i2c, addr, shunt_uohm, max_a)
        self.cal &= 0xFFFE  # bit 0 is read-only (8.6.3.5)

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
        if verify:
            probe(self, _REG_CALIBRATION, self.cal ^ 2, self.cal)  # as the INA226 does
        i2c, buf, addr = self.i2c, self._buf, self.addr
        i2c.readfrom_mem_into(addr, _REG_BUS, buf)
        bus = (buf[0] << 8) | buf[1]
        if bus & _OVF:
            raise OSError("INA219 at 0x%02x: math overflow, current beyond the shunt range" % self.addr)
        self.mv = (bus >> 3) * 4  # 4 mV per bit in bits 15..3 (8.6.3.2)
        i2c.readfrom_mem_into(addr, _REG_CURRENT, buf)
        self._set_current((buf[0] << 8) | buf[1])
