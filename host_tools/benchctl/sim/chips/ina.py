# Fake TI power monitors that compute their registers the way the datasheets say: INA226
# (SBOS547A 7.5-7.6), INA219 (SBOS448G 8.5-8.6) and INA3221 (SBOS576B 8.6). The world sets the
# true bus voltage (uV) and current (uA) through the fitted shunt (uohm).
from benchctl.sim.chips.i2c import RegisterChip


def _clamp16(value):
    return -32768 if value < -32768 else (32767 if value > 32767 else value)


def _div_round(num, den):
    return (num + den // 2) // den if num >= 0 else -((-num + den // 2) // den)


class _FakeIna2xx(RegisterChip):
    """What the INA226 and INA219 fakes share: the true voltage and current, a configuration
    that a reset bit restores, and a calibration register that power-on clears."""

    CONFIG_RESET = 0
    CAL_MASK = 0xFFFF
    CURRENT_DIV = 1  # the current register's divisor of shunt x calibration
    IDS = {}  # identity registers: address -> value
    # A subclass gives shunt_reg() and bus_reg(): its chip's scales.

    def __init__(self, rng, shunt_uohm):
        RegisterChip.__init__(self, rng)
        self.shunt_uohm = shunt_uohm
        self.uv = 0
        self.ua = 0
        self.has_v = False  # the trace has set the channel (present = has_v or has_a)
        self.has_a = False
        self.power_on()

    def power_on(self):
        self.config = self.CONFIG_RESET
        self.cal = 0
        self.regs.clear()

    def register(self, reg):
        """The register map the two chips share: configuration, shunt, bus, current (zero
        until the calibration is written), calibration, and the INA226's identity."""
        if reg == 0x00:
            return self.config
        if reg == 0x01:
            return self.shunt_reg() & 0xFFFF
        if reg == 0x02:
            return self.bus_reg()
        if reg == 0x04:
            return _clamp16(self.shunt_reg() * self.cal // self.CURRENT_DIV) & 0xFFFF
        if reg == 0x05:
            return self.cal
        return self.IDS.get(reg, 0)

    def store(self, reg, value):
        if reg == 0x00:
            if value & 0x8000:
                self.power_on()
            else:
                self.config = value
        elif reg == 0x05:
            self.cal = value & self.CAL_MASK


class FakeINA226(_FakeIna2xx):
    CONFIG_RESET = 0x4127  # 7.6.1
    CAL_MASK = 0x7FFF  # bit 15 is not used (7.6.6)
    CURRENT_DIV = 2048  # 7.5: Current = Shunt * CAL / 2048
    IDS = {0xFE: 0x5449, 0xFF: 0x2260}  # manufacturer TI, die INA226

    def shunt_reg(self):
        # 2.5 uV per bit: uA * uohm / 1e6 = uV; / 2.5 = * 2 / 5.
        return _clamp16(_div_round(self.ua * self.shunt_uohm * 2, 5000000))

    def bus_reg(self):
        bus = _div_round(self.uv, 1250)  # 1.25 mV per bit
        return 0 if bus < 0 else (0x7FFF if bus > 0x7FFF else bus)


class FakeINA219(_FakeIna2xx):
    CONFIG_RESET = 0x399F  # 8.6.2.1
    CAL_MASK = 0xFFFE  # bit 0 is read-only
    CURRENT_DIV = 4096  # 8.5.1: Current = Shunt * Cal / 4096
    IDS = {}  # the INA219 has no identity registers

    def shunt_reg(self):
        return _clamp16(_div_round(self.ua * self.shunt_uohm, 10000000))  # 10 uV per bit

    def bus_reg(self):
        bus = _div_round(self.uv, 4000)  # 4 mV per bit, in bits 15..3
        bus = 0 if bus < 0 else (0x1FFF if bus > 0x1FFF else bus)
        return (bus << 3) | 0x0002  # CNVR: a conversion is ready


class FakeINA3221(RegisterChip):
    def __init__(self, rng, shunt_uohm):
        RegisterChip.__init__(self, rng)
        self.shunt_uohm = shunt_uohm
        self.uv = [5000000, 5000000, 5000000]
        self.ua = [0, 0, 0]
        self.gates = [None, None, None]  # a port's load switch pin: no current while it is off
        self.config = 0x7127  # 8.6.2.1 reset value
        self.critical_1 = 0x7FF8  # 8.6.2.7: channel 1 critical-alert limit, reset value

    def register(self, reg):
        if reg == 0x00:
            return self.config
        if 1 <= reg <= 6:
            ch = (reg - 1) // 2
            if reg % 2:
                # 40 uV per bit in bits 15..3 (uA * uohm / 1e6 = uV).
                gate = self.gates[ch]
                ua = self.ua[ch] if gate is None or gate.level else 0
                value = _div_round(ua * self.shunt_uohm, 40000000)
                value = -4096 if value < -4096 else (4095 if value > 4095 else value)
                return (value << 3) & 0xFFFF
            bus = _div_round(self.uv[ch], 8000)
            bus = 0 if bus < 0 else (0xFFF if bus > 0xFFF else bus)
            return bus << 3
        if reg == 0x07:
            return self.critical_1
        if reg == 0xFE:
            return 0x5449
        if reg == 0xFF:
            return 0x3220
        return 0

    def store(self, reg, value):
        if reg == 0x07:
            self.critical_1 = value & 0xFFF8  # bits 2..0 read as zero
        if reg == 0x00:
            self.config = 0x7127 if value & 0x8000 else value
