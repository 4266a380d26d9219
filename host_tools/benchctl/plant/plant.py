# The whole plant, stepped by the world: panel and controller feed a battery bus, the loads
# draw from it as the firmware switched them, and the low-voltage disconnect cuts the loads
# (and the bench's controller: a brownout) until the battery recovers. Keeps the energy books.
from benchctl.plant.battery import Battery
from benchctl.plant.panel import Controller, accept_ma, panel_mw

_USB_MV = 5000
OWN = ("controller", "board_asleep", "awake", "radar", "lora_tx", "wifi")  # Plant.own_uws, in order


class Plant:
    def __init__(self, p, ports, radar, air_mc=10000):
        self.p = p
        self.ports = ports
        self.radar = radar  # an LD2410 is fitted
        self.radar_on = radar  # its supply is on (boards with a radar switch turn it off)
        self.battery = Battery(p["capacity_mams"], p["initial_ppm"], p["r_mohm"], p["heat_j_k"], p["loss_mw_k"],
                               air_mc)
        self.controller = Controller(p)
        self.on = True  # the load output: off after a low-voltage disconnect
        # The environment, as the trace's channels last set it (tape units).
        self.poa_mwm2 = 0  # irradiance, mW/m2 (tape: W/m2 x 1000)
        self.air_mc = air_mc
        self.demand_ua = [0] * ports
        self.qi_demand_mw = 0
        # What the firmware's outputs and activity were over the step.
        self.wakes = 0
        self.tx_ms = 0
        self.wifi = False
        # The books, in uW*s (uJ) and ms.
        self.harvest_uws = 0  # from the panel, at the battery bus
        self.available_uws = 0  # what the panel could have given (after the controller)
        self.load_uws = 0
        self.electronics_uws = 0  # the controller board, radar, radio, charge controller
        self.port_uws = 0  # delivered at the ports' 5 V
        self.demand_uws = 0  # what the devices plugged in wanted, on or off
        self.pad_uws = 0  # delivered to the phone on the wireless pad
        self.pad_demand_uws = 0  # what the phone on the pad wanted, on or off
        self.own_uws = [0] * 6  # controller, board asleep, awake, radar, LoRa transmitting, Wi-Fi: OWN
        self.cold_charge_ms = 0
        self.brownouts = 0
        self.min_soc_ppm = self.battery.soc_ppm()
        self.port_ma = [0] * ports  # each port's output current over the step

    def soc_ppm(self):
        return self.battery.soc_ppm()

    def step(self, dt_ms, ports_on, qi_on, heater_pm=0):
        """Run the plant for `dt_ms` with the outputs as the firmware left them (`heater_pm`:
        the heater's PWM share, permille). Returns True if the low-voltage disconnect cut the
        loads during the step."""
        if dt_ms <= 0:
            return False
        p = self.p
        b = self.battery
        demand_mw = 0
        delivered_mw = 0
        for i in range(self.ports):
            mw = self.demand_ua[i] * _USB_MV // 1000000
            demand_mw += mw
            on = self.on and i < len(ports_on) and ports_on[i]
            self.port_ma[i] = self.demand_ua[i] // 1000 if on else 0
            if on:
                delivered_mw += mw
        rest = b.rest_mv()
        heater_mw = 0
        ctrl_mw = p["controller_ma"] * rest // 1000
        electronics_uws = ctrl_mw * dt_ms
        own = self.own_uws
        own[0] += electronics_uws
        loads_mw = ctrl_mw
        if self.on:
            # Each part of the bench's own need apart, for the benchmark's table (docs/energy.md).
            parts = (p["sleep_mw"] * dt_ms, p["awake_mw"] * p["awake_ms"] * self.wakes,
                     p["radar_mw"] * dt_ms if self.radar_on else 0, p["tx_mw"] * self.tx_ms,
                     p["wifi_mw"] * dt_ms if self.wifi else 0)
            for i in range(5):
                own[i + 1] += parts[i]
                electronics_uws += parts[i]
            loads_mw = electronics_uws // dt_ms
            loads_mw += delivered_mw * 1000000 // p["usb_ppm"]
            if qi_on:
                loads_mw += self.qi_demand_mw * 1000000 // p["qi_ppm"]
                self.pad_uws += self.qi_demand_mw * dt_ms
            heater_mw = p["heater_mw"] * heater_pm // 1000
            loads_mw += heater_mw
        self.wakes = 0
        self.tx_ms = 0
        available = panel_mw(self.poa_mwm2 // 1000, self.air_mc, p)
        accept_mw = accept_ma(b, b.temp_mc, p) * rest // 1000
        used = self.controller.harvest(available, loads_mw, accept_mw)
        out_mw = available * p["mppt_ppm"] // 1000000
        ma = b.current_for(used - loads_mw, rest)
        # Absorption: past absorb_soc, with more on offer from the panel than the battery
        # takes, the controller holds its absorption voltage and lets the current taper.
        held = 0
        if ma >= 0 and accept_mw < out_mw - loads_mw and b.soc_ppm() >= p["absorb_ppm"]:
            held = p["absorb_mv"]
        v = held or b.terminal_mv(ma, rest)
        short = (ma * dt_ms - b.step(dt_ms, ma, rest, held)) * v // 1000  # uW*s the battery could not move
        # Charging below 0 C is judged at the temperature the controller saw when it chose the
        # current: a battery cooling through 0 C within the step is not charged cold.
        cold = b.temp_mc < 0
        b.warm(dt_ms, self.air_mc, heater_mw if self.on else 0)
        harvest = used * dt_ms
        load = loads_mw * dt_ms
        if short > 0:
            harvest -= short  # a full battery refused it: it stayed on the panel
        elif short < 0:
            load = load + short if load + short > 0 else 0  # an empty battery could not give it
            electronics_uws = electronics_uws if electronics_uws < load else load
        self.harvest_uws += harvest if harvest > 0 else 0  # a panel gives, it never takes
        self.available_uws += available * p["mppt_ppm"] // 1000000 * dt_ms
        self.load_uws += load
        self.electronics_uws += electronics_uws
        self.port_uws += delivered_mw * dt_ms
        self.demand_uws += demand_mw * dt_ms
        self.pad_demand_uws += self.qi_demand_mw * dt_ms
        if ma > 0 and cold:
            self.cold_charge_ms += dt_ms
        soc = b.soc_ppm()
        if soc < self.min_soc_ppm:
            self.min_soc_ppm = soc
        if self.on and (v < p["lvd_mv"] or b.charge == 0):
            self.on = False
            self.brownouts += 1
            return True
        if not self.on and b.rest_mv() >= p["lvr_mv"] and b.charge > b.locked():
            # Back at the reconnect voltage, and able to carry the load again: in the cold
            # the rest voltage recovers long before the locked charge can be reached.
            self.on = True
        return False

    def energy(self):
        """The summary's energy figures (integers: uWh, ppm, counts, ms), for the host."""
        return {
            "solar_uwh": self.harvest_uws // 3600,
            "load_uwh": self.load_uws // 3600,
            "available_uwh": self.available_uws // 3600,
            "electronics_uwh": self.electronics_uws // 3600,
            "port_uwh": self.port_uws // 3600,
            "demand_uwh": self.demand_uws // 3600,
            "stored_uwh": self.battery.stored_uws // 3600,
            "loss_uwh": self.battery.loss_uws // 3600,
            "min_soc_ppm": self.min_soc_ppm,
            "end_soc_ppm": self.battery.soc_ppm(),
            "brownouts": self.brownouts,
            "cold_charge_ms": self.cold_charge_ms,
            "heater_uwh": self.battery.heater_uws // 3600,
            "pad_uwh": self.pad_uws // 3600,
            "pad_demand_uwh": self.pad_demand_uws // 3600,
            "own_uwh": [x // 3600 for x in self.own_uws],
        }
