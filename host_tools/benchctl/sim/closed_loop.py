# The world's side of a closed-loop replay (docs/plant.md): the plant stepped with the
# firmware's outputs, its state shown to the fake chips, the environment channels routed to it,
# one row an hour for the plots, and the report slots counted from the flash's side.
# A part of World (sim/world.py) that owns the plant's state.
from benchctl.sim.rng import Rng

# What the world can physically put on the bench (docs/plant.md, "Limits"): a trace asking for
# more gets the most there is, never a negative harvest or a battery charged by a load.
POA_MAX_MWM2 = 1_500_000  # W/m2 x 1000: clear sky with cloud-edge enhancement stays below 1500
AIR_MIN_MC, AIR_MAX_MC = -60_000, 70_000  # a bench's air, C x 1000
PORT_MAX_UA = 3_500_000  # a USB port's converter limits at 3.5 A (USB PD's 3 A, and its margin)
PAD_MAX_MW = 15_000  # Qi EPP's 15 W: a pad draws no more whatever the phone asks


def _within(value, lo, hi):
    return lo if value < lo else (hi if value > hi else value)


def starts_it(name):
    """Whether a trace channel is the environment's, which switches a pending plant on."""
    return name in ("poa_wm2", "qi_demand_w", "sitting", "rain") or name.endswith("_demand_a")


class ClosedLoop:
    def __init__(self, board, params, chips, flash, queue_block, cfg, fresh):
        """`fresh`: no firmware has run yet (a bench whose firmware keeps its charge gets it
        written to flash, as below)."""
        from benchctl.plant.plant import Plant
        from benchctl.plant.sensing import Presence

        self.chips = chips
        self.queue_block = queue_block
        if params["firmware_knows_soc"] and fresh and flash.read("state.json") is None:
            # A bench that has run since its battery was last full knows its charge (state.json
            # on flash); a new one would guess it from the flat LiFePO4 voltage curve instead.
            charge = cfg["battery_ah"] * 3600000 * params["initial_ppm"] // 1000000
            flash.write("state.json", ('{"boots": 0, "charge_mas": %d}' % charge).encode())
        self.plant = Plant(params, len(chips.port_pins), bool(board.get("radar")))
        self.presence = Presence(Rng(params["seed"]), params["rain_ghost_pct"])
        self.measured = set()  # channels the trace sets itself: they override the plant's
        self.hourly = []  # one row an hour for plots: see _log_hour
        self.on_hour = None  # the hourly row goes here instead of `hourly`, when set
        self.report_ms = cfg["report_interval_s"] * 1000
        self.slots = 0  # report intervals in which a status report was made
        self._slot = -1
        self._seq = 0
        self._air_seen = False
        self._hour = 0

    def transmitted(self, ms):
        self.plant.tx_ms += ms

    def step(self, now, t):
        """Run the plant from `now` to `t` with the outputs as they are, then show its state to
        the sensors. True if the low-voltage disconnect cut the bench off."""
        plant, chips = self.plant, self.chips
        dt = t - now
        ports_on = [pin.level for pin in chips.port_pins]
        plant.radar_on = chips.radar is not None and (chips.radar_pin is None or chips.radar_pin.level)
        heater = 0 if chips.heater_pwm is None else chips.heater_pwm.share_pm()
        cut = plant.step(dt, ports_on, chips.qi_pin is not None and chips.qi_pin.level, heater)
        self.show(t, dt)
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

    def show(self, t, dt):
        """The plant's state, as the bench's sensors read it (where the trace does not set a
        channel itself)."""
        plant, chips, m = self.plant, self.chips, self.measured
        b = plant.battery
        if "batt_v" not in m:
            chips.set("batt_v", (b.v_mv or b.rest_mv()) * 1000)
            chips.set("batt_a", b.ma * 1000)
        if "batt_c" not in m:
            chips.batt_temp.mc = b.temp_mc
        if "solar_v" not in m:
            c = plant.controller
            chips.set("solar_v", c.in_mv * 1000)
            chips.set("solar_a", c.in_ma * 1000)
        for i in range(plant.ports):
            name = "port%d_a" % (i + 1)
            if name not in m:
                chips.set(name, plant.demand_ua[i])  # the gate pin decides if it flows
        if "pir" not in m:
            chips.set("pir", self.presence.pir(t, dt, plant.poa_mwm2))
        if "radar_cm" not in m:
            chips.set("radar_cm", self.presence.radar_cm())

    def awake(self, now, running, wifi_on):
        """The loop woke once more; and a new status report covers its report interval."""
        plant = self.plant
        plant.wakes += 1
        if wifi_on is not None:
            plant.wifi = wifi_on  # the station draws while it connects, too
        written = self.queue_block.status_written  # a status record reached the flash
        if running and written != self._seq:
            self._seq = written
            slot = now // self.report_ms
            if slot != self._slot:
                self._slot = slot
                self.slots += 1

    def dark_ended(self):
        """The battery recovered after a low-voltage disconnect."""
        self._seq = 0

    def environment(self, name, value, now):
        """A trace channel for the plant; False if `name` is not one (then it reaches the chips,
        and a measured one overrides the plant's model from now on)."""
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
            self.presence.set_sitting(value or 0, now)
        elif name == "rain":
            self.presence.rain = value or 0
        else:
            self.measured.add(name)
            return False
        return True

    def energy(self):
        """The summary's `energy` (docs/spec/replay-v1.md)."""
        energy = self.plant.energy()
        energy["slots"] = self.slots
        return energy
