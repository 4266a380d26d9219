# The world's side of a closed-loop replay (docs/plant.md): the plant stepped with the
# firmware's outputs, its state shown to the fake chips, the environment channels routed to
# it, the bench kept dark after a low-voltage disconnect. A part of World (sim/world.py).
from benchctl.sim.rng import Rng
from benchctl.sim.signals import End

# What the world can physically put on the bench (docs/plant.md, "Limits"): a trace asking for
# more gets the most there is, never a negative harvest or a battery charged by a load.
POA_MAX_MWM2 = 1_500_000  # W/m2 x 1000: clear sky with cloud-edge enhancement stays below 1500
AIR_MIN_MC, AIR_MAX_MC = -60_000, 70_000  # a bench's air, C x 1000
PORT_MAX_UA = 3_500_000  # a USB port's converter limits at 3.5 A (USB PD's 3 A, and its margin)
PAD_MAX_MW = 15_000  # Qi EPP's 15 W: a pad draws no more whatever the phone asks


def _within(value, lo, hi):
    return lo if value < lo else (hi if value > hi else value)


class PlantSide:
    def _closed_loop(self, board, params):
        from benchctl.plant.plant import Plant
        from benchctl.plant.sensing import Presence

        if params["firmware_knows_soc"] and self.console is None and self.flash.read("state.json") is None:
            # A bench that has run since its battery was last full knows its charge (state.json
            # on flash); a new one would guess it from the flat LiFePO4 voltage curve instead.
            charge = self.battery_ah * 3600000 * params["initial_ppm"] // 1000000
            self.flash.write("state.json", ('{"boots": 0, "charge_mas": %d}' % charge).encode())
        self.plant = Plant(params, len(self.chips.port_pins), bool(board.get("radar")))
        self.presence = Presence(Rng(params["seed"]), params["rain_ghost_pct"])
        self.hourly = []  # one row an hour for plots: see _log_hour
        self._air_seen = False
        self._hour = 0

    def _plant_step(self, t):
        """Run the plant from now to `t` with the outputs as they are, then show its state to
        the sensors. True if the low-voltage disconnect cut the bench off."""
        plant = self.plant
        dt = t - self.now
        ports_on = [pin.level for pin in self.chips.port_pins]
        plant.radar_on = self.chips.radar is not None and (self.chips.radar_pin is None or self.chips.radar_pin.level)
        heater = 0 if self.chips.heater_pwm is None else self.chips.heater_pwm.share_pm()
        cut = plant.step(dt, ports_on, self.chips.qi_pin is not None and self.chips.qi_pin.level, heater)
        self._show(t, dt)
        if t // 3600000 != self._hour:
            self._hour = t // 3600000
            self._log_hour(t, ports_on)
        return cut

    def _log_hour(self, t, ports_on):
        # t s, state of charge ppm, then uWh since the start: harvested, loads, at the ports,
        # demanded; ports on, load output on, battery m C, irradiance mW/m2.
        plant = self.plant
        row = (t // 1000, plant.soc_ppm(), plant.harvest_uws // 3600, plant.load_uws // 3600,
               plant.port_uws // 3600, plant.demand_uws // 3600, sum(ports_on) if plant.on else 0,
               1 if plant.on else 0, plant.battery.temp_mc, plant.poa_mwm2, plant.battery.heater_uws // 3600)
        if self.on_hour is not None:
            self.on_hour(row)  # to the host as it comes: a year of rows would fill the heap measured
        else:
            self.hourly.append(row)

    def _show(self, t, dt):
        """The plant's state, as the bench's sensors read it."""
        plant = self.plant
        b = plant.battery
        m = self.measured
        if "batt_v" not in m:
            self.apply({"batt_v": (b.v_mv or b.rest_mv()) * 1000, "batt_a": b.ma * 1000}, True)
        if "batt_c" not in m:
            self.chips.batt_temp.mc = b.temp_mc
        if "solar_v" not in m:
            c = plant.controller
            self.apply({"solar_v": c.in_mv * 1000, "solar_a": c.in_ma * 1000}, True)
        ports = {}
        for i in range(plant.ports):
            if "port%d_a" % (i + 1) not in m:
                ports["port%d_a" % (i + 1)] = plant.demand_ua[i]  # the gate pin decides if it flows
        if ports:
            self.apply(ports, True)
        if "pir" not in m:
            self.apply({"pir": self.presence.pir(t, dt, plant.poa_mwm2)}, True)
        if "radar_cm" not in m:
            self.apply({"radar_cm": self.presence.radar_cm()}, True)

    def _awake(self):
        # The loop woke once more; and a new status report covers its report interval.
        plant = self.plant
        plant.wakes += 1
        if self.wlan is not None:
            plant.wifi = self.wlan.since is not None  # the station draws while it connects, too
        written = self.queue_block.status_written  # a status record reached the flash
        if self.console is not None and written != self._seq:
            self._seq = written
            slot = self.now // self.report_ms
            if slot != self._slot:
                self._slot = slot
                self.slots += 1

    def wait_power(self):
        """The low-voltage disconnect cut the bench off: time passes with the bench dark
        until the battery recovers (or the trace ends: End)."""
        self.chips.loads_off()
        self.dark = True  # a reset in the trace now finds nothing running: it changes nothing
        try:
            while not self.plant.on:
                t = self._peek_time()
                if t is None:
                    raise End()
                self._advance(t)
                self._step_record()
        finally:
            self.dark = False
        self._seq = 0

    def _environment(self, name, value):
        """A closed-loop channel for the plant; False if `name` is not one."""
        plant = self.plant
        if name == "poa_wm2":
            plant.poa_mwm2 = _within(value or 0, 0, POA_MAX_MWM2)
        elif name == "air_c":
            plant.air_mc = 0 if value is None else _within(value, AIR_MIN_MC, AIR_MAX_MC)
            if not self._air_seen:
                self._air_seen = True
                plant.battery.temp_mc = plant.air_mc  # the battery starts at the air's temperature
            return False  # the air sensor reads it too
        elif name.endswith("_demand_a") and name.startswith("port"):
            index = int(name[4:-9]) - 1
            if index < plant.ports:
                plant.demand_ua[index] = _within(value or 0, 0, PORT_MAX_UA)
        elif name == "qi_demand_w":
            plant.qi_demand_mw = _within(value or 0, 0, PAD_MAX_MW)
        elif name == "sitting":
            self.presence.set_sitting(value or 0, self.now)
        elif name == "rain":
            self.presence.rain = value or 0
        else:
            self.measured.add(name)  # a measured channel in the trace overrides the model
            return False
        return True
