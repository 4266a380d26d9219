# What the trace does to the world: channels set the fake chips (or the plant's environment),
# events reach the console, the radio and the fault switches. A part of World (sim/world.py).
from benchctl.sim.chips.i2c import Fault
from benchctl.sim.signals import Reset

_ENVIRONMENT = ("poa_wm2", "qi_demand_w", "sitting", "rain")  # and portN_demand_a
_KINDS = {"nack": Fault.NACK, "stuck": Fault.STUCK, "garbage": Fault.GARBAGE}


NETWORK_QUEUE = 16  # downlinks a network server holds for one device at most


class InputSide:
    def _event(self, kind, value):
        if kind == "console":
            if self.console is not None:
                self.console(value)
            else:
                if not self.dark:  # typed while it boots: read once it runs (while dark, nobody hears)
                    self.early_console.append(value)
            self._wake = True  # the UART interrupt wakes the loop
        elif kind == "fault":
            role, fault, for_ms = value
            self._set_fault(role, _KINDS[fault])
            end = self.now + for_ms
            self._fault_seq += 1
            i = 0
            while i < len(self._fault_ends) and self._fault_ends[i][0] <= end:
                i += 1
            # Faults on one sensor may overlap: each lasts its own time, and the newest that is
            # still on is the one the sensor shows (world._advance).
            self._fault_ends.insert(i, (end, role, _KINDS[fault], self._fault_seq))
        elif kind == "reset":
            cause, torn = value
            if self.dark:
                return  # the bench is off already: no write to tear, nothing to restart
            if torn:
                # The write in progress is the newest of the config files' and the queue's.
                if self.queue_block.writes and self.queue_block.stamp > self.flash.stamp:
                    self.queue_block.tear(self.rng.below(64))
                else:
                    self.flash.tear()
            raise Reset(cause)
        elif kind == "link":
            self.link_up = value == "up"
            if self.modem is not None:
                self.modem.link_up = self.link_up
            elif self.broker is not None and not self.link_up:
                self.broker.link_down()
        elif kind == "sf":
            if self.modem is not None:
                self.modem.network_sf = value
        elif kind == "downlink":
            if self.modem is not None:
                # The network holds it for the next uplink, in a queue of its own that has a
                # limit (a network server's downlink queue per device): more are refused there.
                if len(self.modem.downlinks) < NETWORK_QUEUE:
                    self.modem.downlinks.append(value)
            elif self.broker is not None:
                # The application publishes the same bytes on benches/<id>/cmd.
                self.broker.command(('{"fport": %d, "hex": "%s"}' % (value[0], value[1])).encode())

    def _set_fault(self, role, fault):
        if role == "solar" and self.chips.solar is not None:
            self.chips.solar.set_fault(fault)
        elif role == "battery":
            if self.chips.battery is not None:
                self.chips.battery.set_fault(fault)
            self.chips.batt_temp.fault = fault
        elif role.startswith("port"):
            index = int(role[4:]) - 1
            if index // 3 < len(self.chips.port_chips):
                self.chips.port_chips[index // 3].set_fault(fault)
        elif role == "radio":
            if self.modem is not None:
                self.modem.fault = fault
            if self.broker is not None:
                self.broker.fault = fault
        elif role in ("occupancy", "pir", "radar"):  # occupancy: both sensors
            if role != "radar":
                self.chips.pir_fault = fault
                if self.chips.pir is not None and fault == Fault.NACK:
                    self.chips.pir.drive(0)  # a dead PIR's output sits low
            if self.chips.radar is not None and role != "pir":
                self.chips.radar.fault = fault

    def apply(self, ch, modelled=False):
        """Channels in tape units: uV, uA, millidegrees C, cm, 0/1; None: absent again.
        `modelled`: set by the plant, not by the trace."""
        for name in ch:
            value = ch[name]
            if not modelled:
                if self.plant is None and self._plant_params is not None and (
                        name in _ENVIRONMENT or name.endswith("_demand_a")):
                    self._closed_loop(self.board, self._plant_params)
                if self.plant is not None and self._environment(name, value):
                    continue
            if name == "solar_v" or name == "solar_a" or name == "batt_v" or name == "batt_a":
                chip = self.chips.solar if name[0] == "s" else self.chips.battery
                if chip is None:
                    continue
                if name[-1] == "v":
                    chip.uv = 0 if value is None else value
                    chip.has_v = value is not None
                else:
                    chip.ua = 0 if value is None else value
                    chip.has_a = value is not None
                chip.present = chip.has_v or chip.has_a
                chip.changed()
            elif name == "batt_c":
                self.chips.batt_temp.mc = value
            elif name == "air_c":
                self.chips.air_temp.mc = value
            elif name.startswith("port") and (name.endswith("_a") or name.endswith("_v")) and "_d" not in name:
                index = int(name[4:-2]) - 1
                if index // 3 >= len(self.chips.port_chips):
                    continue
                chip = self.chips.port_chips[index // 3]
                if name[-1] == "a":
                    chip.ua[index % 3] = 0 if value is None else value
                    chip.present = chip.present or value is not None
                else:
                    chip.uv[index % 3] = 5000000 if value is None else value
                chip.changed()
            elif name == "pir":
                if self.chips.pir is not None and self.chips.pir_fault == Fault.NONE:
                    self.chips.pir.drive(value or 0)
                elif self.chips.pir is not None and self.chips.pir_fault == Fault.GARBAGE:
                    self.chips.pir.drive(self.rng.below(2))
            elif name == "radar_cm":
                if self.chips.radar is not None:
                    self.chips.radar.fitted = True
                    self.chips.radar.target_cm = value
            elif name == "seat":
                if self.chips.seat is not None:
                    self.chips.seat.drive(value or 0)
