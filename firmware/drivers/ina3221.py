# TI INA3221 three-channel shunt and bus monitor on I2C (datasheet SBOS576B): one channel per
# USB charging port. Raises OSError when the chip does not answer.
from micropython import const

from drivers.ina2xx import probe

_REG_CONFIG = const(0x00)
_REG_MANUFACTURER = const(0xFE)
_REG_DIE = const(0xFF)
_MANUFACTURER_TI = const(0x5449)
_DIE_INA3221 = const(0x3220)
# 8.6.2.1: all three channels, AVG = 16 (010), VBUSCT = VSHCT = 1.1 ms, continuous.
_CONFIG = const(0x7527)
# 8.6.2.7: channel 1's critical-alert limit; the alert pins are not wired, so writing it
# changes nothing measured: the register a stuck chip is told apart by.
_REG_CRITICAL_1 = const(0x07)
_CRITICAL_RESET = const(0x7FF8)


class INA3221:
    """`ma[i]` and `mv[i]` of channels 1..3 (index 0..2) after `read(i)`."""

    NAME = "INA3221"

    def __init__(self, i2c, addr, shunt_uohm):
        self.i2c = i2c
        self.addr = addr
        self.shunt_uohm = shunt_uohm
        self._buf = bytearray(2)
        self.configured = False
        self.ma = [0, 0, 0]
        self.mv = [0, 0, 0]

    def _read(self, reg):
        self.i2c.readfrom_mem_into(self.addr, reg, self._buf)
        return (self._buf[0] << 8) | self._buf[1]

    def setup(self):
        if self._read(_REG_MANUFACTURER) != _MANUFACTURER_TI or self._read(_REG_DIE) != _DIE_INA3221:
            raise OSError("no INA3221 at 0x%02x" % self.addr)
        self._buf[0] = _CONFIG >> 8
        self._buf[1] = _CONFIG & 0xFF
        self.i2c.writeto_mem(self.addr, _REG_CONFIG, self._buf)
        self.configured = True

    def _write(self, reg, value):
        self._buf[0] = value >> 8
        self._buf[1] = value & 0xFF
        self.i2c.writeto_mem(self.addr, reg, self._buf)

    def check(self):
        """Raises Stuck if the chip no longer takes writes (it still answers reads)."""
        probe(self, _REG_CRITICAL_1, _CRITICAL_RESET - 8, _CRITICAL_RESET)

    def read(self, index, bus=True):
        """Refresh channel index+1: shunt register 0x01 + 2*index, and with `bus` the bus
        register after it (a port's 5 V changes slowly: the caller may read it less often)."""
        if not self.configured:
            self.setup()
        buf = self._buf
        self.i2c.readfrom_mem_into(self.addr, 1 + 2 * index, buf)
        shunt = (buf[0] << 8) | buf[1]
        if shunt & 0x8000:
            shunt -= 0x10000
        # 8.6.2.2: shunt voltage in bits 15..3, 40 uV per bit; bus in bits 15..3, 8 mV per bit.
        uv = (shunt >> 3) * 40
        self.ma[index] = uv * 1000 // self.shunt_uohm if uv >= 0 else -((-uv * 1000) // self.shunt_uohm)
        if bus:
            self.i2c.readfrom_mem_into(self.addr, 2 + 2 * index, buf)
            self.mv[index] = (((buf[0] << 8) | buf[1]) >> 3) * 8
