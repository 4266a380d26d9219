# The world around a simulated bench: plays a tape (a checked trace, in integer units) into
# fake chips wired as the board's board.json says, and gives the firmware its clock, sleep
# and watchdog. Sleep is where simulated time passes: records apply at their own times,
# a console line wakes the loop, a reset or the end of the tape unwinds it.
from bench.hardware import Hardware
from bench.queue import block_bytes
from benchctl.sim.broker import FakeBroker, FakeWlan
from benchctl.sim.flash import FakeBlock, FakeFlash
from benchctl.sim.i2c import FakeI2C, Fault
from benchctl.sim.ina import FakeINA219, FakeINA226, FakeINA3221
from benchctl.sim.modem import FakeRak3172
from benchctl.sim.onewire import FakeDS18B20, FakeOneWire
from benchctl.sim.pins import FakePin
from benchctl.sim.radar import FakeRadarUart
from benchctl.sim.rng import Rng
from benchctl.sim.server import NetworkServer

_MASK = 0x3FFFFFFF
_ENVIRONMENT = ("poa_wm2", "qi_demand_w", "sitting", "rain")  # and portN_demand_a
_KINDS = {"nack": Fault.NACK, "stuck": Fault.STUCK, "garbage": Fault.GARBAGE}


class Reset(BaseException):
    """The MCU restarts; args[0] is the cause. A BaseException, so the loop's `except
    Exception` does not swallow it, as a real reset is not catchable."""


class End(BaseException):
    pass


class FakeWatchdog:
    def __init__(self, world):
        self.world = world

    def feed(self):
        self.world.fed_at = self.world.now


def _monitor(spec, rng, shunt_uohm):
    if spec.get("chip") == "ina219":
        return FakeINA219(rng, shunt_uohm)
    return FakeINA226(rng, shunt_uohm)


class World:
    def __init__(self, board, tape, cfg, seed=1, queue_block=None, on_air=None, plant=None):
        self.board = board
        self.tape = iter(tape)
        self.rng = Rng(seed)
        self.flash = FakeFlash()
        # The report queue's preallocated file (700 reports): flash, kept across resets.
        self.queue_block = queue_block if queue_block is not None else FakeBlock(block_bytes(700))
        self.now = 0
        self.end = 0
        self.boot_at = 0
        self.fed_at = 0
        self.bench = None
        self._next = None
        self._done = False
        self._fault_ends = []  # (end ms, role)
        self._wake = False
        self.early_console = []
        self.i2c = FakeI2C()
        self.solar = self.battery = None
        if board.get("solar"):
            self.solar = _monitor(board["solar"], self.rng, cfg["solar_shunt_uohm"])
            self.i2c.attach(board["solar"]["addr"], self.solar)
        if board.get("battery"):
            self.battery = _monitor(board["battery"], self.rng, cfg["battery_shunt_uohm"])
            self.i2c.attach(board["battery"]["addr"], self.battery)
        self.port_chips = []
        for spec in board.get("ports", ()):
            chip = FakeINA3221(self.rng, cfg["port_shunt_uohm"])
            self.i2c.attach(spec["addr"], chip)
            self.port_chips.append(chip)
        self.port_pins = [FakePin() for _ in board.get("port_pins", ())]
        for i in range(min(len(self.port_pins), 3 * len(self.port_chips))):
            self.port_chips[i // 3].gates[i % 3] = self.port_pins[i]
            self.port_pins[i].on_change = self.port_chips[i // 3].changed
        self.qi_pin = FakePin() if "qi_pin" in board else None
        self.onewire = None
        self.batt_temp = FakeDS18B20(0x0000A1B2C3D4, self.rng)
        self.air_temp = FakeDS18B20(0x0000A1B2C3E5, self.rng)
        if "onewire_pin" in board:
            self.onewire = FakeOneWire()
            self.onewire.devices = [self.batt_temp, self.air_temp]
        self.pir = FakePin() if "pir_pin" in board else None
        self.pir_fault = Fault.NONE
        self.seat = FakePin() if "seat_pin" in board else None
        radar = board.get("radar")
        self.radar = FakeRadarUart(self.rng, radar.get("rxbuf", 256)) if radar else None
        self.radar_pin = None
        if self.radar is not None and "radar_power_pin" in board:
            self.radar_pin = FakePin(1)
            self.radar_pin.on_change = self._radar_power
        self.watchdog_ms = board.get("watchdog_ms", 30000)
        self.modem = None
        self.server = None
        # (t ms, fport, payload, airtime us, delivered) for uplinks.jsonl: the host finds the
        # busiest 24 h there, so the simulator keeps no list of its own in the heap it measures.
        self.on_air = on_air
        self.uplinks = 0
        self.uplink_bytes = 0
        self.airtime_us = 0
        self.joins = 0
        self.join_airtime_us = 0
        self.link_up = True
        self.bench_id = "?"
        self.wlan = self.broker = None
        self.plant = None
        self.measured = set()  # channels the trace sets itself: they override the plant's
        self.report_ms = cfg["report_interval_s"] * 1000
        self.battery_ah = cfg["battery_ah"]
        self.slots = 0  # report intervals in which a status report was made (closed loop)
        self._slot = -1
        self._seq = 0
        self._plant_params = None  # (params, on from the start)
        if plant is not None:
            params, now = plant
            if now:
                self._closed_loop(board, params)
            else:
                self._plant_params = params  # on at the first environment channel
        if "modem" in board:
            self.modem = FakeRak3172(self.rng)
            self.modem.on_air = self._heard
            self.server = NetworkServer(self.modem, 700)
        elif board.get("wifi"):
            self.wlan = FakeWlan(self)
            self.broker = FakeBroker(self, self.rng)
            self.broker.on_publish = self._published
            self.server = NetworkServer(None, 700)

    def _radar_power(self):
        if self.radar is not None and self.radar_pin is not None:
            self.radar.power(self.radar_pin.level)

    def _closed_loop(self, board, params):
        from benchctl.plant.plant import Plant
        from benchctl.plant.sensing import Presence

        if params["firmware_knows_soc"] and self.bench is None and self.flash.read("state.json") is None:
            # A bench that has run since its battery was last full knows its charge (state.json
            # on flash); a new one would guess it from the flat LiFePO4 voltage curve instead.
            charge = self.battery_ah * 3600000 * params["initial_ppm"] // 1000000
            self.flash.write("state.json", ('{"boots": 0, "charge_mas": %d}' % charge).encode())
        self.plant = Plant(params, len(self.port_pins), bool(board.get("radar")))
        self.presence = Presence(Rng(params["seed"]), params["rain_ghost_pct"])
        self.hourly = []  # one row an hour for plots: see _log_hour
        self._air_seen = False
        self._hour = 0

    def _plant_step(self, t):
        """Run the plant from now to `t` with the outputs as they are, then show its state to
        the sensors. True if the low-voltage disconnect cut the bench off."""
        plant = self.plant
        dt = t - self.now
        ports_on = [pin.level for pin in self.port_pins]
        plant.radar_on = self.radar is not None and (self.radar_pin is None or self.radar_pin.level)
        cut = plant.step(dt, ports_on, self.qi_pin is not None and self.qi_pin.level, False)
        self._show(t, dt)
        if t // 3600000 != self._hour:
            self._hour = t // 3600000
            self._log_hour(t, ports_on)
        return cut

    def _log_hour(self, t, ports_on):
        # t s, state of charge ppm, then uWh since the start: harvested, loads, at the ports,
        # demanded; ports on, load output on, battery m C, irradiance mW/m2.
        plant = self.plant
        self.hourly.append((t // 1000, plant.soc_ppm(), plant.harvest_uws // 3600, plant.load_uws // 3600,
                            plant.port_uws // 3600, plant.demand_uws // 3600, sum(ports_on) if plant.on else 0,
                            1 if plant.on else 0, plant.battery.temp_mc, plant.poa_mwm2))

    def _show(self, t, dt):
        """The plant's state, as the bench's sensors read it."""
        plant = self.plant
        b = plant.battery
        m = self.measured
        if "batt_v" not in m:
            self.apply({"batt_v": (b.v_mv or b.rest_mv()) * 1000, "batt_a": b.ma * 1000}, True)
        if "batt_c" not in m:
            self.batt_temp.mc = b.temp_mc
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

    def _published(self, topic, payload, delivered):
        """A PUBLISH reached the broker's socket; the broker took it unless it is faulted."""
        self.uplinks += 1
        self.uplink_bytes += len(payload)
        if delivered:
            link = self.bench.radio.wifi if self.bench is not None else None
            seq = None if link is None else link.sending
            self.server.hear(self.now, seq, 1 if topic.endswith("/status") else 2, b"")
        if self.on_air is not None:
            self.on_air(self.now, None, payload, None, delivered, topic)

    def _heard(self, t, fport, payload, toa_us, delivered):
        """An uplink left the fake modem: count it, and let the server hear it if the link was up.
        A JoinRequest (fport None) only counts its airtime."""
        if fport is None:
            self.joins += 1
            self.join_airtime_us += toa_us
            if self.on_air is not None:
                self.on_air(t, fport, payload, toa_us, delivered)
            return
        self.uplinks += 1
        self.uplink_bytes += len(payload)
        self.airtime_us += toa_us
        if self.plant is not None:
            self.plant.tx_ms += toa_us // 1000
        if delivered:
            link = self.bench.radio.lora if self.bench is not None else None
            self.server.hear(t, None if link is None else link.in_flight, fport, payload)
        if self.on_air is not None:
            self.on_air(t, fport, payload, toa_us, delivered)

    # -- the firmware's view -------------------------------------------------------------------

    def hardware(self, bench_id, cause, write):
        hw = Hardware(self.board, bench_id, write, self.flash)
        hw.reset_cause = cause
        hw.i2c = self.i2c
        hw.onewire = self.onewire
        hw.pir_pin = self.pir
        hw.seat_pin = self.seat
        hw.radar_uart = self.radar
        hw.port_pins = self.port_pins
        hw.qi_pin = self.qi_pin
        hw.radar_power_pin = self.radar_pin
        hw.queue_block = self.queue_block
        hw.modem_uart = self.modem
        self.bench_id = bench_id
        if self.wlan is not None:
            self.wlan.since = None  # the station starts disconnected after a reset
            hw.wlan = self.wlan
            hw.open_socket = self.broker.open_socket
            hw.network = {"ssid": "smiltene-parks", "key": "not-printed", "broker": "mqtt.bench.test", "port": 1883}
        hw.seed = self.rng.below(0x7FFFFFFF) + 1
        hw.clock = self.clock
        hw.sleep = self.sleep
        hw.watchdog = FakeWatchdog(self)
        hw.watchdog_slice_ms = self.watchdog_ms // 2
        return hw

    def boot(self):
        """Power comes back: RAM (and the chips' registers) start from their reset values."""
        self.boot_at = self.now
        self.fed_at = self.now
        for pin in self.port_pins:
            pin.value(0)
        if self.qi_pin is not None:
            self.qi_pin.level = 0
        if self.radar_pin is not None:
            self.radar_pin.value(1)  # the load switch's default: powered
        for chip in (self.solar, self.battery):
            if chip is not None:
                chip.power_on()
        if self.modem is not None:
            self.modem.power_on()

    def settle(self):
        """Apply what the tape holds for the present moment before the firmware boots, so its
        first sample sees the sensors as they are at t = 0 (or at a reset's instant)."""
        while True:
            t = self._peek_time()
            if t is None or t > self.now:
                if self.plant is not None:
                    self._show(self.now, 0)
                return
            self._advance(t)  # time stays; faults due by now end
            self._step_record()

    def clock(self):
        return (self.now - self.boot_at) & _MASK

    def sleep(self, ms):
        target = self.now + (ms if ms > 0 else 0)
        self._wake = False
        if self.plant is not None:
            self._awake()
        while not self._wake:
            t = self._peek_time()
            if t is None or t > target:
                break
            self._advance(t)
            self._step_record()
        else:
            self._check_watchdog()
            return
        if self._next is None and self._done and target > self.end:
            self._advance(self.end)
            raise End()
        self._advance(target)
        self._check_watchdog()

    def _awake(self):
        # The loop woke once more; and a new status report covers its report interval.
        plant = self.plant
        plant.wakes += 1
        if self.wlan is not None:
            plant.wifi = self.wlan.isconnected()
        bench = self.bench
        if bench is not None and bench.seq != self._seq:
            self._seq = bench.seq
            slot = self.now // self.report_ms
            if slot != self._slot:
                self._slot = slot
                self.slots += 1

    def wait_power(self):
        """The low-voltage disconnect cut the bench off: time passes with the bench dark
        until the battery recovers (or the trace ends: End)."""
        for pin in self.port_pins:
            pin.value(0)
        if self.qi_pin is not None:
            self.qi_pin.level = 0
        while not self.plant.on:
            t = self._peek_time()
            if t is None:
                raise End()
            self._advance(t)
            self._step_record()
        self._seq = 0

    def _check_watchdog(self):
        if self.now - self.fed_at > self.watchdog_ms:
            raise Reset("watchdog")

    def _advance(self, t):
        if t > self.now:
            if self.plant is not None and self._plant_step(t) and self.bench is not None:
                self.now = t
                raise Reset("brownout")
            self.now = t
            if self.radar is not None:
                self.radar.now_ms = t
            if self.modem is not None:
                self.modem.now_ms = t
        while self._fault_ends:
            end, role = self._fault_ends[0]
            if end > self.now:
                break
            self._fault_ends.pop(0)
            self._set_fault(role, Fault.NONE)

    # -- the tape ------------------------------------------------------------------------------

    def _peek_time(self):
        if self._next is None and not self._done:
            try:
                self._next = next(self.tape)
            except StopIteration:
                self._done = True
        if self._next is None:
            return self._fault_ends[0][0] if self._fault_ends else None
        t = self._next[0]
        if self._fault_ends and self._fault_ends[0][0] < t:
            return self._fault_ends[0][0]
        return t

    def _step_record(self):
        if self._next is None or self._next[0] > self.now:
            return  # a fault ending: _advance did it
        t, channels, events = self._next
        self._next = None
        self.end = t
        if channels:
            self.apply(channels)
        if events:
            for kind, value in events:
                self._event(kind, value)

    def _event(self, kind, value):
        if kind == "console":
            if self.bench is not None:
                self.bench.console_input(value)
            else:
                self.early_console.append(value)  # typed while it boots: read once it runs
            self._wake = True  # the UART interrupt wakes the loop
        elif kind == "fault":
            role, fault, for_ms = value
            self._set_fault(role, _KINDS[fault])
            end = self.now + for_ms
            i = 0
            while i < len(self._fault_ends) and self._fault_ends[i][0] <= end:
                i += 1
            self._fault_ends.insert(i, (end, role))
        elif kind == "reset":
            cause, torn = value
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
                self.modem.downlinks.append(value)  # the network holds it for the next uplink
            elif self.broker is not None:
                # The application publishes the same bytes on benches/<id>/cmd.
                self.broker.command(('{"fport": %d, "hex": "%s"}' % (value[0], value[1])).encode())

    def _set_fault(self, role, fault):
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
        elif role == "radio":
            if self.modem is not None:
                self.modem.fault = fault
            if self.broker is not None:
                self.broker.fault = fault
        elif role == "occupancy":
            self.pir_fault = fault
            if self.pir is not None and fault == Fault.NACK:
                self.pir.drive(0)  # a dead PIR's output sits low
            if self.radar is not None:
                self.radar.fault = fault

    def _environment(self, name, value):
        """A closed-loop channel for the plant; False if `name` is not one."""
        plant = self.plant
        if name == "poa_wm2":
            plant.poa_mwm2 = value or 0
        elif name == "air_c":
            plant.air_mc = 0 if value is None else value
            if not self._air_seen:
                self._air_seen = True
                plant.battery.temp_mc = plant.air_mc  # the battery starts at the air's temperature
            return False  # the air sensor reads it too
        elif name.endswith("_demand_a") and name.startswith("port"):
            index = int(name[4:-9]) - 1
            if index < plant.ports:
                plant.demand_ua[index] = value or 0
        elif name == "qi_demand_w":
            plant.qi_demand_mw = value or 0
        elif name == "sitting":
            self.presence.set_sitting(value or 0, self.now)
        elif name == "rain":
            self.presence.rain = value or 0
        else:
            self.measured.add(name)  # a measured channel in the trace overrides the model
            return False
        return True

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
                chip = self.solar if name[0] == "s" else self.battery
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
                self.batt_temp.mc = value
            elif name == "air_c":
                self.air_temp.mc = value
            elif name.startswith("port") and (name.endswith("_a") or name.endswith("_v")) and "_d" not in name:
                index = int(name[4:-2]) - 1
                if index // 3 >= len(self.port_chips):
                    continue
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
