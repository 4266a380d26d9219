# The bench: sample the sensors, decide (battery, ports, sittings, energy policy), report.
# `tick(now_ticks)` is called by the main loop; it returns how long the loop may sleep.

from bench.battery import FULL, Battery
from bench.budget import QI_OFF, EnergyBudget
from bench.config import Config
from bench.console import Shell
from bench.days import DAY_MS, Days
from bench.files import RamBlock
from bench.health import Health
from bench.heartbeat import Heartbeat
from bench.life import Life
from bench.log import Log, level_named
from bench.payload import (
    FPORT_EVENT,
    FPORT_STATUS,
    encode_boot,
    encode_port_fault,
    encode_sensor_fault,
    encode_status,
)
from bench.ports import PortBank
from bench.queue import CAPACITY, ReportQueue, block_bytes
from bench.radio import Radio
from bench.report import FAULT_PORT_TRIP, FAULT_STUCK_SEAT, ReportWindow
from bench.seat import DAYLIGHT_MV, Seat
from bench.sensors import MA, MV, Sensors, monitors_fit
from bench.trace import trace_line
from bench.units import fixed
from bench.version import VERSION
from drivers.switch import LoadSwitch

_SAVE_EVERY_MS = 3600000  # the battery's charge goes to flash hourly, and before a reboot
_SAVE_MOVED_PM = 20  # ... and whenever it moved 2 % of the capacity: a brownout loses no more
QUEUE_CAPACITY = CAPACITY


class Bench(Life):
    def __init__(self, hw, now_ticks, health=None):
        self.hw = hw
        self.write = hw.write
        self.store = hw.store
        self.board_name = hw.board.get("name", "?")
        self.version = VERSION
        self.log = Log(hw.write)
        Life.__init__(self, now_ticks, self.log, health if health is not None else
                      Health(self.store, hw.reset_cause, self.log), Shell)
        self.boots = self.health.boots
        self.bench_id = hw.bench_id
        self.write("bench %s firmware %s board %s boot %d reset %s" % (
            self.bench_id, VERSION, self.board_name, self.boots, self.health.cause))
        if self.boots > 1:
            ran = self.health.previous_uptime_s
            self.log.info("health", "the last life ran at least %d h %02d min (saved hourly); resets %s" % (
                ran // 3600, ran % 3600 // 60, self.health.resets_text()))
        self.cfg = Config()
        self.cfg.across = monitors_fit(hw.board)
        self.cfg.load(self.store, self.log)
        self.log.level = level_named(self.cfg.v["log_level"])
        self.sensors = Sensors(hw, self.cfg, self.log)
        self.seat = Seat(self.sensors, hw.radar_power_pin if self.sensors.radar is not None else None, self.log)
        self.sitting = self.seat.sitting
        self.radar_power = self.seat.radar_power
        self.pir_watch = self.seat.pir_watch
        self.battery = Battery(self.cfg.v["battery_ah"], self.cfg.v["full_mv"])
        state = self.health.state
        self.battery.restore(state.get("charge_mas"), state.get("gauge"), state.get("batt_mc"))
        # A brownout is judged at the first sample: the battery's voltage says whether it was the
        # battery's (then the charge is anchored at the empty point, and the bench starts quiet).
        self.browned_out = self.health.cause == "brownout"
        self.days = Days()
        self.days.restore(state.get("days"))
        count = self.sensors.port_count
        self.ports = PortBank([LoadSwitch(pin) for pin in hw.port_pins[:count]], self.cfg, self.log)
        self.qi = LoadSwitch(hw.qi_pin) if hw.qi_pin is not None else None
        self._stuck_seen = 0
        # The energy budget (bench/budget.py); the old threshold ladder stays as a reference.
        self.budgeted = self.cfg.v["energy_policy"] == "budget"
        if self.budgeted:
            self.policy = EnergyBudget(self.log)
        else:
            from bench.policy import EnergyPolicy  # only the reference runs load the ladder

            self.policy = EnergyPolicy(self.log)  # type: ignore[assignment]  # same interface, older update()
        self.heating = None
        if hw.heater_pwm is not None and self.cfg.v["heater_w"] > 0:  # only a bench with a heater loads it
            from bench.heating import BatteryHeating
            from drivers.heater import PwmHeater

            self.heating = BatteryHeating(PwmHeater(hw.heater_pwm), self.cfg.v["heater_w"], self.log)
            self.policy.heated = True
        self.window = ReportWindow()
        block = hw.queue_block
        if block is None:
            self.log.error("bench", "no flash block for the report queue: reports kept in RAM until a reset")
            block = RamBlock(block_bytes(QUEUE_CAPACITY))
        self.queue = ReportQueue(block, QUEUE_CAPACITY)
        if self.queue.lost:
            self.log.warn("bench", "%d queued frame(s) spoilt by a power cut" % self.queue.lost)
        self.queue.put(FPORT_EVENT, encode_boot(self.health.cause, self.boots))
        self.tracing = False
        self.radio = Radio(hw, self.queue, self.log, self.command)
        self.radio_due = 0  # uptime ms the radio wants its next tick
        self.radio_head = -1  # the queue's head when the radio last ran
        self.seq = 0
        self.usable = 0
        self.last_sample = None
        self.next_sample = 0
        self.next_report = self.report_interval_s() * 1000
        self.next_save = _SAVE_EVERY_MS
        self.heartbeat = Heartbeat(self.health, self.log)
        self._save_state()
        self.log.info("bench", "%d ports, occupancy by %s, sample every %d s, report every %d s" % (
            count, self.cfg.v["occupancy"], self.cfg.v["sample_interval_s"], self.cfg.v["report_interval_s"]))

    def _save_state(self):
        state = self.health.state
        state["charge_mas"], state["gauge"], state["batt_mc"] = self.battery.saved()
        state["days"] = self.days.saved()
        self.saved_charge = self.battery.charge_mas
        self.health.save(self.uptime)
        self.radio.save_state(self.uptime)

    def _judge_brownout(self, mv):
        measured = self.battery.emptied(mv)
        if measured is False:
            self.log.info("battery", "reset by a brownout with the battery at %s V: a supply dip, not an empty "
                          "battery" % fixed(mv, 3))
            return
        self._anchored("empty after the brownout", measured)
        if self.budgeted:
            self.policy.go_quiet()
            self.log.info("policy", "quiet after the brownout: loads off and Wi-Fi off until 5% of the charge "
                          "can be taken out again")

    def _anchored(self, what, measured):
        b = self.battery
        cap = b.capacity
        if measured is not None:
            self.log.info("battery", "%s: capacity measured %s Ah, now %s Ah (%d%% sure, %d measurement(s))" % (
                what, fixed(measured // 360000, 1), fixed(cap.mas // 360000, 1), cap.sure_pct(), cap.measured))
        self.log.info("battery", "charge set to %d%% (%s)" % (b.soc_permille() // 10, what))

    # -- what the loop and the console call --------------------------------------------------

    def report_interval_s(self):
        """What the energy policy asks, stretched by the radio at slow data rates."""
        return self.radio.report_interval_s(self.policy.report_interval_s(self.cfg.v))

    def request_reboot(self):
        state = self.health.state
        state["charge_mas"], state["gauge"], state["batt_mc"] = self.battery.saved()
        state["days"] = self.days.saved()
        self.health.intend("soft", self.uptime)
        self.reboot_requested = True

    def config_changed(self, key):
        if key == "log_level":
            self.log.level = level_named(self.cfg.v[key])
        elif key in ("report_interval_s", "heartbeat_s"):
            self.next_report = self.uptime + self.report_interval_s() * 1000

    def overran(self):
        """The loop's last tick took too long (bench/loop.py): counted for the heartbeat."""
        self.heartbeat.overruns += 1

    def tick(self, now_ticks):
        self._begin_tick(now_ticks)
        if self.uptime >= self.next_sample:
            self._sample(self.uptime)
            interval = self.policy.sample_interval_s(self.cfg.v) * 1000
            self.next_sample += interval
            if self.next_sample <= self.uptime:
                self.next_sample = self.uptime + interval
        # The radio runs when it asked to, or at once when a new frame joined the queue.
        if self.uptime >= self.radio_due or self.queue.head != self.radio_head:
            self.radio_head = self.queue.head
            self.radio_due = self.uptime + self.radio.tick(self.uptime)
        if self.uptime >= self.heartbeat.next_ms:  # heartbeat.due, without its call each tick
            free = self.hw.free_heap
            self.heartbeat.beat(self.uptime, self.sensors.errors, self.radio.troubles(), self.queue,
                                None if free is None else free(), self.radio.health_every_ms(), self.battery.gauge())
        wait = self.next_sample - self.uptime
        radio_wait = self.radio_due - self.uptime
        self.crashes_in_row = 0
        return radio_wait if radio_wait < wait else wait

    # -- one sample ----------------------------------------------------------------------------

    def _sample(self, now):
        v = self.cfg.v
        dt = 0 if self.last_sample is None else now - self.last_sample
        self.last_sample = now
        self.sensors.radar_on = self.radar_power.ready(now)
        s = self.sensors.read()
        temp = s.batt_mc if s.batt_mc is not None else s.air_mc
        battery = self.battery
        if temp is not None:
            battery.temp_mc = temp
        if self.browned_out and s.battery is not None:
            self.browned_out = False
            self._judge_brownout(s.battery[MV])
        if s.battery is not None:
            anchor = battery.update(dt, s.battery[MV], s.battery[MA], v["rest_ma"], v["rest_s"] * 1000)
            if anchor:
                self._anchored(("full at %s V" if anchor == FULL else "rest voltage %s V") % fixed(s.battery[MV], 3),
                               battery.measured)
        policy = self.policy
        if battery.charge_mas is not None:
            self.usable = battery.usable_permille(25000 if temp is None else temp)
            if self.budgeted:
                policy.update(battery, temp, self.days, v["hysteresis_pct"])
            else:
                policy.update(self.usable, temp, v)  # type: ignore[call-arg]  # the ladder's update()
        self.ports.allowed = policy.usb_allowed()
        self.ports.update(now, dt, s.ports)
        if self.qi is not None:
            self.qi.set(policy.qi_allowed())
        solar_mv = s.solar[MV] if s.solar is not None else 0
        if self.heating is not None:
            self.heating.update(s.batt_mc, s.battery[MA] if s.battery is not None else 0, solar_mv)
        wifi = self.radio.wifi
        if wifi is not None:
            wifi.hold = policy.quiet()
            wifi.lean = policy.level >= QI_OFF  # connected time is granted like the pad: 10 % above the reserve
        self.seat.update(now, s, v, policy)
        self._account(s, dt, temp, solar_mv >= DAYLIGHT_MV)
        if now >= self.next_report:
            self._report(now, s)
        charge = battery.charge_mas
        moved = charge is not None and self.saved_charge is not None and \
            abs(charge - self.saved_charge) * 1000 >= battery.capacity_mas * _SAVE_MOVED_PM
        if now >= self.next_save or moved:
            self._save_state()
            self.next_save = now + _SAVE_EVERY_MS
        if self.tracing:
            self.write(trace_line(now, s))

    def _account(self, s, dt, temp, light):
        w = self.window
        solar_uw = 0
        if s.solar is not None and s.solar[MA] > 0:
            solar_uw = s.solar[MV] * s.solar[MA]
            w.solar.add(solar_uw, dt)
        if s.battery is not None:
            batt_uw = s.battery[MV] * s.battery[MA]
            load_uw = solar_uw - batt_uw
            w.load.add(load_uw, dt)
            # The bench's own need: the loads less the phones (through a ~90 % USB converter,
            # a guess) and the heater.
            ports_uw = 0
            for port in self.ports.ports:
                if port.switch.is_on:
                    ports_uw += port.ma * (port.mv or 5000) * 10 // 9
            heat = self.heating
            heat_uw = 0 if heat is None else heat.watts * heat.share_pm * 1000
            self.days.add(dt, load_uw - ports_uw - heat_uw, batt_uw, temp, light)
            if self.days.ms >= DAY_MS and self.days.day_over(self.battery.soc_permille()):  # a call a day, not a sample
                d = self.days
                self.log.info("days", "own need %s Wh a day, %s Wh into the battery a day, %d dry day(s) in a row "
                              "(the battery gave more than it took), daylight %d min, coldest %s C this week" % (
                                  fixed(d.need_mwh, 3), fixed(d.intake_mwh, 3), d.dry, d.day_light_ms // 60000,
                                  "?" if d.week_min_mc() is None else "%d" % (d.week_min_mc() // 1000)))
        if self.sensors.faults:
            w.faults |= self.sensors.faults
            self.sensors.faults = 0
        if self.ports.fault_flags:
            w.faults |= FAULT_PORT_TRIP
            self.ports.fault_flags = 0
        if self.ports.trips:
            for port, kind, ma, retry_s in self.ports.take_trips():
                self.queue.put(FPORT_EVENT, encode_port_fault(port, kind, ma, retry_s))
        if self.sensors.new_failures:
            for role in self.sensors.take_new_failures():
                kind = self.sensors.kinds.get(role, "not answering")
                self.queue.put(FPORT_EVENT, encode_sensor_fault(role, kind, self.sensors.errors.get(role, 0)))
        if self.sensors.new_recoveries:
            for role in self.sensors.new_recoveries:
                self.queue.put(FPORT_EVENT, encode_sensor_fault(role, "answering again", self.sensors.errors.get(role, 0)))
            self.sensors.new_recoveries = []
        if self.sitting.stuck != self._stuck_seen:
            w.faults |= FAULT_STUCK_SEAT
            self._stuck_seen = self.sitting.stuck

    def _report(self, now, s):
        sit = self.sitting
        charge = sum([p.sessions for p in self.ports.ports])
        port_mwh = self.ports.total_mwh()
        self.seq += 1
        report = self.window.close(
            self.seq, now, None if self.battery.charge_mas is None else self.battery.soc_permille(),
            s.battery[MV] if s.battery else 0, port_mwh,
            sit.count, sit.occupied_ms, charge, self.ports.states(), s.batt_mc, s.air_mc, self.policy.level)
        self.queue.put(FPORT_STATUS, encode_status(report))
        self.window.open(now, port_mwh, sit.count, sit.occupied_ms, charge)
        self.next_report = now + self.report_interval_s() * 1000
        g = report.get
        soc = g("soc_pm")
        self.log.info("report", "#%d charge %s solar %s Wh used %s Wh sittings %d (%d s) charging %d ports %s Wh faults 0x%02x" % (
            g("seq"), "?" if soc is None else "%d%%" % (soc // 10), fixed(g("solar_mwh"), 3), fixed(g("load_mwh"), 3),
            g("sit_sessions"), g("occupied_s"), g("charge_sessions"), fixed(g("port_mwh"), 3), g("faults")))
