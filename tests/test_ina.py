"""INA226, INA219 and INA3221 drivers against fake chips that answer at register level."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from benchctl.sim.chips.i2c import FakeI2C, Fault, RegisterChip
from benchctl.sim.chips.ina import FakeINA219, FakeINA226, FakeINA3221
from benchctl.sim.rng import Rng
from drivers.ina219 import INA219
from drivers.ina226 import INA226
from drivers.ina3221 import INA3221


class Registers(RegisterChip):
    """A chip whose registers hold whatever the test puts there."""

    def __init__(self, regs):
        super().__init__(Rng(1))
        self.present = True
        self.values = dict(regs)
        self.writes = []

    def register(self, reg):
        return self.values.get(reg, 0)

    def store(self, reg, value):
        self.writes.append((reg, value))
        self.values[reg] = value


def bus_with(addr, chip):
    bus = FakeI2C()
    bus.attach(addr, chip)
    return bus


def test_ina226_calibration_follows_the_datasheet_formula():
    # SBOS547A 7.5: Current_LSB = 10 A / 2^15 -> 306 uA (rounded up); CAL = 0.00512 / (LSB * R).
    chip = INA226(FakeI2C(), 0x40, shunt_uohm=2000, max_a=10)
    assert chip.lsb_ua == 306
    assert chip.cal == int(0.00512 / (306e-6 * 0.002))


def test_ina226_reads_bus_voltage_and_current_registers():
    regs = Registers({0xFE: 0x5449, 0xFF: 0x2260, 0x02: 0x2580, 0x04: 10000})
    chip = INA226(bus_with(0x40, regs), 0x40, shunt_uohm=2000, max_a=10)
    chip.read()
    assert (0x00, 0x4527) in regs.writes and (0x05, chip.cal) in regs.writes
    assert chip.mv == 12000  # 0x2580 * 1.25 mV (7.6.3)
    assert chip.ma == 3060  # 10000 * 306 uA


def test_ina226_current_register_is_signed_for_discharge():
    regs = Registers({0xFE: 0x5449, 0xFF: 0x2260, 0x02: 0x2800, 0x04: 0x10000 - 1000})
    chip = INA226(bus_with(0x41, regs), 0x41, shunt_uohm=1000, max_a=20)
    chip.read()
    assert chip.ma == -1000 * chip.lsb_ua // 1000


def test_ina226_refuses_a_chip_that_is_not_an_ina226():
    regs = Registers({0xFE: 0x5449, 0xFF: 0x3220})  # an INA3221 at that address
    chip = INA226(bus_with(0x40, regs), 0x40, 2000, 10)
    with pytest.raises(OSError, match="no INA226"):
        chip.read()


def test_ina226_sets_calibration_again_after_the_chip_lost_power():
    fake = FakeINA226(Rng(1), 2000)
    fake.present, fake.uv, fake.ua = True, 13_200_000, 5_000_000
    chip = INA226(bus_with(0x40, fake), 0x40, 2000, 10)
    chip.read()
    assert abs(chip.ma - 5000) <= 1
    fake.power_on()  # a brownout of the chip alone: calibration back to 0
    chip.read()
    assert fake.cal == chip.cal and abs(chip.ma - 5000) <= 1


@pytest.mark.parametrize(("chip_type", "shunt_uohm", "max_a"), [(INA226, 1_000_000, 200), (INA226, 1_000_000, 1),
                                                               (INA226, 4097, 20), (INA219, 16_001, 20)])
def test_a_range_whose_shunt_voltage_the_chip_cannot_read_is_a_clear_error(chip_type, shunt_uohm, max_a):
    # INA226 reads +-81.92 mV across its shunt, INA219 at PGA /8 +-320 mV: beyond, every
    # current above full scale / shunt would read the same.
    with pytest.raises(ValueError, match=r"beyond its (81|320) mV shunt range; check the shunt value"):
        chip_type(FakeI2C(), 0x40, shunt_uohm=shunt_uohm, max_a=max_a)


@pytest.mark.parametrize("chip_type", [INA219, INA226])
@given(shunt_uohm=st.integers(50, 20_000), max_a=st.integers(1, 20), share=st.floats(-1, 1))
def test_a_shunt_small_for_the_range_takes_a_coarser_lsb_and_still_measures(chip_type, shunt_uohm, max_a, share):
    # The RP2040 board's INA219 on the default 2 mOhm solar shunt for 10 A asked for a
    # calibration of 66928, past the register: the monitor failed and the bench saw no sun.
    assume(max_a * shunt_uohm <= chip_type.SHUNT_FS_UV)  # beyond it is refused (the test above)
    chip = chip_type(FakeI2C(), 0x40, shunt_uohm=shunt_uohm, max_a=max_a)
    assert 0 < chip.cal <= chip_type.CAL_MAX
    assert chip.lsb_ua >= (max_a * 1_000_000 + 32767) // 32768  # never finer than the datasheet's minimum
    fake = (FakeINA219 if chip_type is INA219 else FakeINA226)(Rng(1), shunt_uohm)
    full_scale_uv = 320_000 if chip_type is INA219 else 81_920  # INA219 at PGA /8; INA226 (7.6)
    top_ua = min(max_a * 1_000_000, full_scale_uv * 1_000_000 // shunt_uohm)
    fake.present, fake.uv, fake.ua = True, 12_000_000, int(share * top_ua)
    chip = chip_type(bus_with(0x40, fake), 0x40, shunt_uohm, max_a)
    chip.read()
    shunt_lsb_ua = (10 if chip_type is INA219 else 2.5) * 1e6 / shunt_uohm  # 10 uV / 2.5 uV a step
    # and the calibration's truncation to a whole number: a gain error of up to 1 / CAL
    assert abs(chip.ma * 1000 - fake.ua) <= 2 * (chip.lsb_ua + shunt_lsb_ua) + 1000 + abs(fake.ua) / chip.cal


def test_a_chip_that_does_not_answer_raises_oserror():
    fake = FakeINA226(Rng(1), 2000)
    fake.present = True
    fake.fault = Fault.NACK
    chip = INA226(bus_with(0x40, fake), 0x40, 2000, 10)
    with pytest.raises(OSError):
        chip.read()


@given(volts=st.integers(0, 36_000), amps=st.integers(-10_000, 10_000))
def test_ina226_measures_what_the_fake_chip_sees_within_one_lsb(volts, amps):
    fake = FakeINA226(Rng(1), 2000)
    fake.present, fake.uv, fake.ua = True, volts * 1000, amps * 1000
    chip = INA226(bus_with(0x40, fake), 0x40, 2000, 10)
    chip.read()
    assert abs(chip.mv - volts) <= 1
    # one shunt LSB (2.5 uV / 2 mOhm = 1.25 mA) plus the current register's rounding
    assert abs(chip.ma - amps) <= 2


def test_ina219_bus_register_carries_voltage_in_bits_15_to_3():
    # SBOS448G 8.6.3.2: 12 V = 3000 * 4 mV -> 0x5DC0, with CNVR (bit 1) set.
    regs = Registers({0x00: 0x3E67, 0x02: 0x5DC2, 0x04: 10000})
    chip = INA219(bus_with(0x40, regs), 0x40, shunt_uohm=100_000, max_a=3)
    regs.values[0x05] = chip.cal
    chip.configured = True
    chip.read()
    assert chip.mv == 12000
    assert chip.ma == 10000 * chip.lsb_ua // 1000


def test_ina219_calibration_follows_the_datasheet_formula():
    # SBOS448G 8.5.1: Cal = trunc(0.04096 / (Current_LSB * R_shunt)), bit 0 read-only.
    chip = INA219(FakeI2C(), 0x40, shunt_uohm=100_000, max_a=3)
    assert chip.cal == int(0.04096 / (chip.lsb_ua * 1e-6 * 0.1)) & 0xFFFE


def test_ina219_overflow_bit_is_an_error_not_a_reading():
    regs = Registers({0x00: 0x3E67, 0x02: 0x5DC3})
    chip = INA219(bus_with(0x40, regs), 0x40, 100_000, 3)
    regs.values[0x05] = chip.cal
    chip.configured = True
    with pytest.raises(OSError, match="overflow"):
        chip.read()


@given(volts=st.integers(0, 26_000), amps=st.integers(-3_000, 3_000))
def test_ina219_measures_what_the_fake_chip_sees(volts, amps):
    fake = FakeINA219(Rng(1), 100_000)
    fake.present, fake.uv, fake.ua = True, volts * 1000, amps * 1000
    chip = INA219(bus_with(0x40, fake), 0x40, 100_000, 3)
    chip.read()
    assert abs(chip.mv - volts) <= 2
    assert abs(chip.ma - amps) <= 1


def test_ina3221_shunt_and_bus_registers_per_channel():
    # SBOS576B 8.6.2: channel 2 shunt at 0x03 (40 uV/bit in bits 15..3), bus at 0x04 (8 mV/bit).
    regs = Registers({0xFE: 0x5449, 0xFF: 0x3220, 0x03: 1000 << 3, 0x04: 625 << 3})
    chip = INA3221(bus_with(0x42, regs), 0x42, shunt_uohm=100_000)
    chip.read(1)
    assert chip.ma[1] == 400  # 40 mV across 100 mOhm
    assert chip.mv[1] == 5000
    assert (0x00, 0x7527) in regs.writes


def test_ina3221_saturates_at_163_8_mv_as_the_chip_does():
    fake = FakeINA3221(Rng(1), 100_000)
    fake.present = True
    fake.ua[0] = 2_500_000  # 250 mV across 100 mOhm: beyond the chip's range
    chip = INA3221(bus_with(0x42, fake), 0x42, 100_000)
    chip.read(0)
    assert chip.ma[0] == 1638


def test_ina3221_negative_shunt_voltage_reads_negative():
    regs = Registers({0xFE: 0x5449, 0xFF: 0x3220, 0x01: (0x10000 - (25 << 3)) & 0xFFFF})
    chip = INA3221(bus_with(0x42, regs), 0x42, 100_000)
    chip.read(0)
    assert chip.ma[0] == -10


@given(amps=st.integers(0, 3000), volts=st.integers(4000, 5500))
def test_ina3221_measures_each_port_within_one_lsb(amps, volts):
    fake = FakeINA3221(Rng(1), 50_000)
    fake.present = True
    fake.ua[2], fake.uv[2] = amps * 1000, volts * 1000
    chip = INA3221(bus_with(0x42, fake), 0x42, 50_000)
    chip.read(2)
    assert abs(chip.ma[2] - amps) <= 1  # 40 uV / 50 mOhm = 0.8 mA per bit
    assert abs(chip.mv[2] - volts) <= 8
