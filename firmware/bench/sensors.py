# The bench's sensors, built from the board description and the hardware objects the board's
# wiring hands over: one `read` per sample fills a Sample. A sensor that fails is logged when
# it fails and when it comes back, counted, and read as None; it never stops the sample.
from micropython import const

from bench.report import FAULT_BATTERY, FAULT_OCCUPANCY, FAULT_PORTS, FAULT_SOLAR, FAULT_TEMPERATURE
from drivers.chip_faults import BadData, Stuck

_NAMES = {
    "solar": "solar monitor", "battery": "battery monitor", "batt_temp": "battery temperature",
    "air_temp": "air temperature", "pir": "PIR", "radar": "radar", "port1": "port 1 monitor",
    "port2": "port 2 monitor", "port3": "port 3 monitor", "port4": "port 4 monitor",
    "port5": "port 5 monitor", "port6": "port 6 monitor", "port7": "port 7 monitor",
    "port8": "port 8 monitor",
}
# The report's fault bit of each role.
_BITS = {"solar": FAULT_SOLAR, "battery": FAULT_BATTERY, "batt_temp": FAULT_TEMPERATURE,
         "air_temp": FAULT_TEMPERATURE, "pir": FAULT_OCCUPANCY, "radar": FAULT_OCCUPANCY}
_VOLT_EVERY = 6  # port voltages change slowly: every 6th sample (a minute at 10 s)
_TEMP_EVERY = 30  # a battery in its enclosure changes temperature over tens of minutes: 5 min
_CHECK_TEMPS_EVERY = 3  # the DS18B20s' write check every third reading: 15 min, one report
_PORT_ROLES = ("port1", "port2", "port3", "port4", "port5", "port6", "port7", "port8")
_CAL_EVERY = 30  # check the monitors' calibration every 30th sample


# OSError numbers the ports raise for a bus that gets no answer.
_ERRNO = {5: "I/O error (EIO)", 19: "no answer (ENODEV)", 110: "timed out (ETIMEDOUT)",
          116: "timed out (ETIMEDOUT)"}


def _why(err):
    if isinstance(err, OSError) and err.args and isinstance(err.args[0], int):
        return _ERRNO.get(err.args[0], "error %d" % err.args[0])
    return str(err)


# A monitor's reading is a (mV, mA) tuple, made once per sample: its fields by name.
MV = const(0)
MA = const(1)


class Sample:
    def __init__(self, ports):
        self.solar = None  # (mV, mA): solar[MV], solar[MA]
        self.battery = None  # (mV, mA), mA > 0 charging
        self.batt_mc = None
        self.air_mc = None
        self.ports = [None] * ports  # type: list  # (mV, mA) each, None: not measured
        self.pir = None  # 1 motion since the last sample, 0 none
        self.radar_cm = None  # nearest target in cm, or None
        self.radar_ok = False
        self.seat = None


def monitors_fit(board):
    """The configuration's rule that needs the board: each fitted current monitor's shunt and
    range give a calibration its chip can hold (the driver's own arithmetic decides). For
    Config.across; the host's preflight asks the same."""
    def fits(values):
        for role in ("battery", "solar"):
            spec = board.get(role)
            if not spec:
                continue
            try:
                _chip(spec)(None, spec.get("addr", 0x40), values[role + "_shunt_uohm"], values[role + "_max_a"])
            except ValueError as e:
                return "%s_shunt_uohm and %s_max_a: %s" % (role, role, str(e).split(": ", 1)[-1])
        return None
    return fits


def _chip(spec):
    # Each chip's driver is imported when a board has that chip: a board carries only the
    # drivers its manifest names (boards/<board>/manifest.py).
    if spec.get("chip") == "ina219":
        from drivers.ina219 import INA219

        return INA219
    from drivers.ina226 import INA226

    return INA226


def _monitor(i2c, spec, shunt_uohm, max_a, log, role):
    if not spec:
        return None
    try:
        return _chip(spec)(i2c, spec["addr"], shunt_uohm, max_a)
    except ValueError as e:
        log.error("sensors", "%s: %s" % (_NAMES[role], e))
        return False  # fitted, but cannot be set up: a fault at every sample, not "not fitted"


class Sensors:
    def __init__(self, hw, cfg, log):
        board = hw.board
        v = cfg.v
        self.cfg = cfg
        self.log = log
        solar = _monitor(hw.i2c, board.get("solar"), v["solar_shunt_uohm"], v["solar_max_a"], log, "solar")
        battery = _monitor(hw.i2c, board.get("battery"), v["battery_shunt_uohm"], v["battery_max_a"], log, "battery")
        self.unset = [role for role, chip in (("solar", solar), ("battery", battery)) if chip is False]
        self.solar = solar or None
        self.battery = battery or None
        self.port_chips = []
        if board.get("ports"):
            from drivers.ina3221 import INA3221

            self.port_chips = [INA3221(hw.i2c, c["addr"], v["port_shunt_uohm"]) for c in board["ports"]]
        self.port_count = min(v["port_count"], 3 * len(self.port_chips), len(hw.port_pins))
        self.temps = None
        if hw.onewire is not None:
            from drivers.ds18b20 import DS18B20

            self.temps = DS18B20(hw.onewire)
        self.batt_rom = None
        self.air_rom = None
        self._roms_missing_told = False
        self.pir = self.radar = None
        if hw.pir_pin is not None:
            from drivers.pir import Pir

            self.pir = Pir(hw.pir_pin)
        if hw.radar_uart is not None:
            from drivers.ld2410 import LD2410

            self.radar = LD2410(hw.radar_uart)
        self.seat_pin = hw.seat_pin
        self.state = {}  # role -> True answering, False failing
        self.errors = {}  # role -> failed reads since boot
        self.kinds = {}  # role -> how it last failed: "not answering", "stuck", "bad data" (payload-v1)
        self.faults = 0  # report fault bits of the roles that failed since the bench took them
        self.new_failures = []  # roles that started failing, not yet reported as events
        self.new_recoveries = []  # roles that work again, not yet reported as events
        self.sample = Sample(self.port_count)
        self._count = 0
        self._radar_silent = 0
        self.radar_on = True  # powered and warmed up (bench.radar_power): read it

    def _failed(self, role, err):
        self.errors[role] = self.errors.get(role, 0) + 1
        self.faults |= _BITS.get(role, FAULT_PORTS)
        kind = "stuck" if isinstance(err, Stuck) else ("bad data" if isinstance(err, BadData) else "not answering")
        self.kinds[role] = kind
        if self.state.get(role, True):
            self.log.warn("sensors", "%s %s: %s" % (_NAMES.get(role, role), kind, _why(err)))
            if len(self.new_failures) < 8:
                self.new_failures.append(role)
        self.state[role] = False

    def judged(self, role, kind, why):
        """A sensor judged by its behaviour, not by a read that failed (bench/pir_watch.py):
        `kind` "stuck", "silent" or "blind" with `why`, or None when it is well."""
        if kind is None:
            if self.state.get(role) is False:
                self._answered(role)
            return
        err = Stuck(why) if kind == "stuck" else (BadData(why) if kind == "blind" else OSError(why))
        self._failed(role, err)

    def _stuck_still(self, role, checked):
        """A stuck chip answers every read with its last value: only the check that found it
        stuck (a write read back) can say it is well again, so until then it stays failed and
        its reading unused. One event when it sticks, one when it works again; no flapping."""
        return not checked and self.state.get(role) is False and self.kinds.get(role) == "stuck"

    def _answered(self, role):
        if self.state.get(role) is False:
            self.log.info("sensors", "%s answering again" % _NAMES.get(role, role))
            if len(self.new_recoveries) < 8:
                self.new_recoveries.append(role)
        self.state[role] = True

    def take_new_failures(self):
        roles = self.new_failures
        self.new_failures = []
        return roles

    def failing(self):
        return sorted([role for role in self.state if not self.state[role]])

    def _power(self, chip, role, checked):
        if chip is None:
            if role in self.unset:
                self._failed(role, BadData("its shunt and range cannot be calibrated: fix the configuration"))
            return None
        try:
            chip.read(checked)
        except OSError as e:
            chip.configured = False
            self._failed(role, e)
            return None
        if self.state.get(role) is not True:  # the usual case, a well sensor, asks nothing more
            if self._stuck_still(role, checked or not chip.configured):
                self.errors[role] = self.errors.get(role, 0) + 1
                return None
            self._answered(role)
        return (chip.mv, chip.ma)

    def read(self):
        # Every sample, on the board's awake time: what the loop needs is looked up once.
        s = self.sample
        count = self._count
        cal = count % _CAL_EVERY == 0
        s.solar = self._power(self.solar, "solar", cal)
        s.battery = self._power(self.battery, "battery", cal)
        slow = count % _VOLT_EVERY == 0
        state = self.state
        ports = s.ports
        for i in range(self.port_count):
            chip = self.port_chips[i // 3]
            ch = i % 3
            role = _PORT_ROLES[i]
            checked = cal or not chip.configured
            try:
                if ch == 0 and cal and chip.configured:
                    chip.check()  # a chip that answers but takes no writes is stuck
                chip.read(ch, slow or not chip.configured)
            except OSError as e:
                chip.configured = False
                self._failed(role, e)
                ports[i] = None
                continue
            if state.get(role) is not True:
                if self._stuck_still(role, checked):
                    self.errors[role] = self.errors.get(role, 0) + 1
                    ports[i] = None
                    continue
                self._answered(role)
            ports[i] = (chip.mv[ch], chip.ma[ch])
        if self.temps is not None and self._count % _TEMP_EVERY == 0:
            self._read_temps(s)
        if self.pir is not None:
            s.pir = self.pir.take()
        if self.radar is not None:
            self._read_radar(s)
        if self.seat_pin is not None:
            s.seat = self.seat_pin.value()
        self._count += 1
        return s

    def _read_temps(self, s):
        temps = self.temps
        if temps is None:
            return
        if self.batt_rom is None:
            self._find_roms()
        for role, rom in (("batt_temp", self.batt_rom), ("air_temp", self.air_rom)):
            if rom is None:
                continue
            value = None
            if temps.converting:
                checked = self._count % (_TEMP_EVERY * _CHECK_TEMPS_EVERY) == 0
                try:
                    if checked:
                        temps.check(rom)  # a sensor that takes no writes is stuck
                    value = temps.read(rom)
                    if self._stuck_still(role, checked):
                        value = None
                    else:
                        self._answered(role)
                except OSError as e:
                    self._failed(role, e)
            if role == "batt_temp":
                s.batt_mc = value
            else:
                s.air_mc = value
        try:
            temps.start()
        except OSError as e:
            temps.converting = False
            self._failed("batt_temp", e)

    def _find_roms(self):
        v = self.cfg.v
        if self.temps is None:
            return
        try:
            found = self.temps.scan()
        except OSError as e:
            self._failed("batt_temp", e)
            return
        batt = v["temp_batt_rom"] or (found[0] if found else None)
        air = v["temp_air_rom"] or None
        if air is None:
            rest = [rom for rom in found if rom != batt]
            air = rest[0] if rest else None
        if batt is None and self.air_rom is None and air is None:
            # Nothing on the bus yet: look again at the next temperature read, quietly.
            if not self._roms_missing_told:
                self.log.warn("sensors", "no DS18B20 on the 1-Wire bus; looking again every few minutes")
                self._roms_missing_told = True
            return
        self.batt_rom = batt
        self.air_rom = air
        self.log.info("sensors", "DS18B20: battery %s, air %s" % (batt or "-", air or "-"))

    def _read_radar(self, s):
        radar = self.radar
        if radar is None:
            return
        if not self.radar_on:
            # Switched off to save energy, or still waking: not a fault. Its UART may hold
            # frames from before; they are read and dropped so that they never count.
            try:
                radar.poll()
            except OSError:
                pass
            self._radar_silent = 0
            radar.asked = False  # a question asked before it went off is no test of it
            s.radar_ok = False
            s.radar_cm = None
            return
        err = "no frames"
        try:
            frames = radar.poll()
        except OSError as e:
            frames = 0
            err = _why(e)
        if frames == 0 and radar.answered_ask:
            # The radar was being configured (asked whether it lives): no reports this time,
            # not a silence. Its answer decides at the next check.
            s.radar_ok = False
            s.radar_cm = None
            return
        if frames > 0:
            self._radar_silent = 0
            # Well-formed frames from a frozen radar look like a still sitter: every 30th
            # sample it is asked a command a live one acknowledges; no ACK by the next, stuck.
            checked = self._count % _CAL_EVERY == 0
            if checked:
                if radar.asked:
                    self._failed("radar", Stuck("LD2410 sends frames but acknowledges no command (frozen)"))
                radar.ask_alive()
            if self._stuck_still("radar", not radar.asked):
                s.radar_ok = False
                s.radar_cm = None
                return
            self._answered("radar")
            s.radar_ok = True
            s.radar_cm = radar.nearest_cm if radar.state else None
            return
        # It reports ten frames a second, but the first poll after boot may come before the
        # first frame: one silent poll is not yet a failure.
        self._radar_silent += 1
        if self._radar_silent >= 2:
            self._failed("radar", err)
            s.radar_ok = False
            s.radar_cm = None
