# The board's chips as its board.json wires them: the monitors on the I2C bus, the ports'
# load-switch pins gating their INA3221 channels, the pad, the heater, the DS18B20s on their
# 1-Wire bus, the PIR, the seat switch and the radar with its power pin. A part of the world
# (sim/world.py) that owns them: built once, powered on at each boot, handed to the firmware,
# set from the trace's channels (in tape units) and faulted by its fault events.
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
        self.rng = rng  # a PIR that talks garbage
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

    def set(self, name, value):
        """A channel in tape units (uV, uA, millidegrees C, cm, 0/1; None: absent again) on the
        chip that reads it; a channel for a part this board lacks changes nothing."""
        if name == "solar_v" or name == "solar_a" or name == "batt_v" or name == "batt_a":
            chip = self.solar if name[0] == "s" else self.battery
            if chip is None:
                return
            if name[-1] == "v":
                chip.uv = 0 if value is None else value
                chip.has_v = value is not None
            else:
                chip.ua = 0 if value is None else value
                chip.has_a = value is not None
            chip.present = chip.has_v or chip.has_a
            chip.changed()
        elif name == "batt_c":
            self.batt_temp.mc = value
        elif name == "air_c":
            self.air_temp.mc = value
        elif name.startswith("port") and (name.endswith("_a") or name.endswith("_v")) and "_d" not in name:
            index = int(name[4:-2]) - 1
            if index // 3 >= len(self.port_chips):
                return
            chip = self.port_chips[index // 3]
            if name[-1] == "a":
                chip.ua[index % 3] = 0 if value is None else value
                chip.present = chip.present or value is not None
            else:
                chip.uv[index % 3] = 5000000 if value is None else value
            chip.changed()
        elif name == "pir":
            if self.pir is not None and self.pir_fault == Fault.NONE:
                self.pir.drive(value or 0)
            elif self.pir is not None and self.pir_fault == Fault.GARBAGE:
                self.pir.drive(self.rng.below(2))
        elif name == "radar_cm":
            if self.radar is not None:
                self.radar.fitted = True
                self.radar.target_cm = value
        elif name == "seat":
            if self.seat is not None:
                self.seat.drive(value or 0)

    def set_fault(self, role, fault):
        """A trace's fault switched on a sensor role (or off: Fault.NONE); the radio's is the
        radio's own (sim/on_the_air.py)."""
        if role == "solar" and self.solar is not None:
            self.solar.set_fault(fault)
        elif role == "battery":
            if self.battery is not None:
                self.battery.set_fault(fault)
            self.batt_temp.fault = fault
        elif role.startswith("port"):
            index = int(role[4:]) - 1
            if index // 3 < len(self.port_chips):
                self.port_chips[index // 3].set_fault(fault)
        elif role in ("occupancy", "pir", "radar"):  # occupancy: both sensors
            if role != "radar":
                self.pir_fault = fault
                if self.pir is not None and fault == Fault.NACK:
                    self.pir.drive(0)  # a dead PIR's output sits low
            if self.radar is not None and role != "pir":
                self.radar.fault = fault
