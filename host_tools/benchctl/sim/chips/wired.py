# The board's chips as its board.json wires them: the monitors on the I2C bus, the ports'
# load-switch pins gating their INA3221 channels, the pad, the heater, the DS18B20s on their
# 1-Wire bus, the PIR, the seat switch and the radar with its power pin. A part of the world
# (sim/world.py) that owns them: built once, powered on at each boot, handed to the firmware.
from benchctl.sim.chips.i2c import FakeI2C, Fault
from benchctl.sim.chips.ina import FakeINA219, FakeINA226, FakeINA3221
from benchctl.sim.chips.onewire import FakeDS18B20, FakeOneWire
from benchctl.sim.chips.pins import FakePin, FakePwm
from benchctl.sim.chips.radar import FakeRadarUart


def _monitor(spec, rng, shunt_uohm):
    if spec.get("chip") == "ina219":
        return FakeINA219(rng, shunt_uohm)
    return FakeINA226(rng, shunt_uohm)


class WiredChips:
    def __init__(self, board, rng, cfg):
        self.i2c = FakeI2C()
        self.solar = self.battery = None
        if board.get("solar"):
            self.solar = _monitor(board["solar"], rng, cfg["solar_shunt_uohm"])
            self.i2c.attach(board["solar"]["addr"], self.solar)
        if board.get("battery"):
            self.battery = _monitor(board["battery"], rng, cfg["battery_shunt_uohm"])
            self.i2c.attach(board["battery"]["addr"], self.battery)
        self.port_chips = []
        for spec in board.get("ports", ()):
            chip = FakeINA3221(rng, cfg["port_shunt_uohm"])
            self.i2c.attach(spec["addr"], chip)
            self.port_chips.append(chip)
        self.port_pins = [FakePin() for _ in board.get("port_pins", ())]
        for i in range(min(len(self.port_pins), 3 * len(self.port_chips))):
            self.port_chips[i // 3].gates[i % 3] = self.port_pins[i]
            self.port_pins[i].on_change = self.port_chips[i // 3].changed
        self.qi_pin = FakePin() if "qi_pin" in board else None
        self.heater_pwm = FakePwm() if "heater_pin" in board else None  # the battery heater's MOSFET
        self.onewire = None
        self.batt_temp = FakeDS18B20(0x0000A1B2C3D4, rng)
        self.air_temp = FakeDS18B20(0x0000A1B2C3E5, rng)
        if "onewire_pin" in board:
            self.onewire = FakeOneWire()
            self.onewire.devices = [self.batt_temp, self.air_temp]
        self.pir = FakePin() if "pir_pin" in board else None
        self.pir_fault = Fault.NONE
        self.seat = FakePin() if "seat_pin" in board else None
        radar = board.get("radar")
        self.radar = FakeRadarUart(rng, radar.get("rxbuf", 256)) if radar else None
        self.radar_pin = None
        if self.radar is not None and "radar_power_pin" in board:
            self.radar_pin = FakePin(1)
            self.radar_pin.on_change = self._radar_power

    def _radar_power(self):
        if self.radar is not None and self.radar_pin is not None:
            self.radar.power(self.radar_pin.level)

    def wire(self, hw):
        """Hand the chips to the firmware's Hardware, as the board's wiring does."""
        hw.i2c = self.i2c
        hw.onewire = self.onewire
        hw.pir_pin = self.pir
        hw.seat_pin = self.seat
        hw.radar_uart = self.radar
        hw.port_pins = self.port_pins
        hw.qi_pin = self.qi_pin
        hw.heater_pwm = self.heater_pwm
        hw.radar_power_pin = self.radar_pin

    def loads_off(self):
        """The outputs at reset, or with the power cut: ports, pad and heater off."""
        for pin in self.port_pins:
            pin.value(0)
        if self.qi_pin is not None:
            self.qi_pin.level = 0
        if self.heater_pwm is not None:
            self.heater_pwm.duty = 0

    def power_on(self):
        """Power comes back: outputs at their reset values, the monitors forget their setup."""
        self.loads_off()
        if self.radar_pin is not None:
            self.radar_pin.value(1)  # the load switch's default: powered
        for chip in (self.solar, self.battery):
            if chip is not None:
                chip.power_on()
