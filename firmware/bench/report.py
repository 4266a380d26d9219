# Telemetry reports as values: what one report interval saw (energy in and out, charge,
# sittings, charging, port use, faults). bench.payload turns one into its 12-byte frame.
from bench.energy import Energy

# Bits of Report.faults.
FAULT_SOLAR = 0x01
FAULT_BATTERY = 0x02
FAULT_PORTS = 0x04
FAULT_OCCUPANCY = 0x08
FAULT_TEMPERATURE = 0x10
FAULT_PORT_TRIP = 0x20
FAULT_STUCK_SEAT = 0x40

FIELDS = ("seq", "uptime_s", "soc_pm", "batt_mv", "solar_mwh", "load_mwh", "sit_sessions",
          "occupied_s", "charge_sessions", "port_mwh", "port_states", "faults", "batt_c",
          "air_c", "level")


class Report:
    """One interval's report; `values` follows FIELDS (integers; temperatures whole C or None)."""

    def __init__(self, values):
        self.values = values

    def get(self, name):
        return self.values[FIELDS.index(name)]


class ReportWindow:
    """Accumulates one report interval."""

    def __init__(self):
        self.solar = Energy()
        self.load = Energy()
        self.port_mwh_start = 0
        self.sit_start = 0
        self.occupied_start = 0
        self.charge_start = 0
        self.faults = 0
        self.opened = 0

    def open(self, now, port_mwh, sit_count, occupied_ms, charge_count):
        self.solar.clear()
        self.load.clear()
        self.port_mwh_start = port_mwh
        self.sit_start = sit_count
        self.occupied_start = occupied_ms
        self.charge_start = charge_count
        self.faults = 0
        self.opened = now

    def close(self, seq, now, soc_pm, batt_mv, port_mwh, sit_count, occupied_ms, charge_count,
              port_states, batt_mc, air_mc, level):
        def whole_c(mc):
            return None if mc is None else (mc + 500) // 1000 if mc >= 0 else -((-mc + 500) // 1000)

        return Report((
            seq, now // 1000, soc_pm, batt_mv, self.solar.mwh, self.load.mwh,
            sit_count - self.sit_start, (occupied_ms - self.occupied_start) // 1000,
            charge_count - self.charge_start, port_mwh - self.port_mwh_start, port_states,
            self.faults, whole_c(batt_mc), whole_c(air_mc), level,
        ))
