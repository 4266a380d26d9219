"""DS18B20 over a fake 1-Wire bus that answers ROM and function commands; the PIR latch."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchctl.sim.chips.i2c import Fault
from benchctl.sim.chips.onewire import FakeDS18B20, FakeOneWire
from benchctl.sim.chips.pins import FakePin
from benchctl.sim.rng import Rng
from drivers.ds18b20 import DS18B20, crc8
from drivers.pir import Pir


def bus(*temps_mc):
    ow = FakeOneWire()
    ow.devices = [FakeDS18B20(0x100 + i, Rng(1)) for i in range(len(temps_mc))]
    for dev, mc in zip(ow.devices, temps_mc, strict=True):
        dev.mc = mc
    return ow


def test_crc8_matches_maxim_application_note_27_example():
    # AN27: the ROM 02 1C B8 01 00 00 00 carries CRC 0xA2.
    assert crc8(bytes([0x02, 0x1C, 0xB8, 0x01, 0x00, 0x00, 0x00])) == 0xA2


@given(st.binary(max_size=16))
def test_the_fake_sensors_table_crc_is_the_drivers_bitwise_one(data):
    from benchctl.sim.chips.onewire import crc8 as fake_crc8

    assert fake_crc8(data) == crc8(data)


@pytest.mark.parametrize(
    ("raw", "mc"),
    [(0x07D0, 125000), (0x0191, 25062), (0x00A2, 10125), (0x0008, 500), (0x0000, 0),
     (0xFFF8, -500), (0xFF5E, -10125), (0xFE6F, -25063), (0xFC90, -55000)],
)
def test_temperature_register_table_of_the_datasheet(raw, mc):
    # DS18B20 datasheet table 1 (12-bit): raw scratchpad value -> degrees C.
    ow = bus(0)
    dev = ow.devices[0]
    dev.raw = raw
    sensor = DS18B20(ow)
    sensor.converting = True
    rom = sensor.scan()[0]
    assert sensor.read(rom) == mc


def test_scan_finds_each_sensor_and_read_selects_by_rom():
    ow = bus(21500, -7250)
    sensor = DS18B20(ow)
    roms = sensor.scan()
    assert len(roms) == 2 and all(r.startswith("28") for r in roms)
    sensor.start()
    assert sensor.read(roms[0]) == 21500
    assert sensor.read(roms[1]) == -7250


def test_power_on_value_before_any_conversion_is_not_a_reading():
    sensor = DS18B20(bus(20000))
    rom = sensor.scan()[0]
    with pytest.raises(OSError, match="no conversion"):
        sensor.read(rom)


def test_garbage_on_the_wire_fails_the_crc():
    ow = bus(20000)
    sensor = DS18B20(ow)
    rom = sensor.scan()[0]
    sensor.start()
    ow.devices[0].fault = Fault.GARBAGE
    with pytest.raises(OSError, match="CRC"):
        sensor.read(rom)


def test_a_sensor_that_takes_no_writes_is_told_from_a_steady_temperature():
    from drivers.chip_faults import Stuck

    ow = bus(20000)
    sensor = DS18B20(ow)
    rom = sensor.scan()[0]
    ow.devices[0].th = 0x37  # whatever its EEPROM gave it at power-up
    sensor.check(rom)  # a healthy sensor takes the trial TH, and has its own back
    assert ow.devices[0].th == 0x37 and ow.devices[0].config == 0x7F
    ow.devices[0].fault = Fault.STUCK
    with pytest.raises(Stuck, match="does not take writes"):
        sensor.check(rom)


def test_no_presence_pulse_is_an_error():
    ow = bus(20000)
    ow.devices[0].fault = Fault.NACK
    with pytest.raises(OSError):
        DS18B20(ow).start()


@given(st.integers(-55000, 125000))
def test_any_temperature_reads_back_within_a_sixteenth_degree(mc):
    ow = bus(mc)
    sensor = DS18B20(ow)
    rom = sensor.scan()[0]
    sensor.start()
    assert abs(sensor.read(rom) - mc) <= 32  # half of 62.5 m°C


def test_pir_latches_a_pulse_shorter_than_the_sample_interval():
    pin = FakePin()
    pir = Pir(pin)
    assert pir.take() == 0
    pin.drive(1)
    pin.drive(0)  # 1.5 s of motion between two samples
    assert pir.take() == 1
    assert pir.take() == 0


def test_pir_output_still_high_counts_as_motion():
    pin = FakePin()
    pir = Pir(pin)
    pin.drive(1)
    assert pir.take() == 1
    assert pir.take() == 1  # still high: still motion


@given(st.binary(max_size=16))
def test_table_crc8_agrees_with_the_bitwise_generator(data):
    from benchctl.sim.chips.onewire import crc8 as bitwise

    assert crc8(data) == bitwise(data)
    assert crc8(data + bytes([crc8(data)])) == 0
