# The charging ports: each switched and metered; a charging session starts when a port draws
# port_session_ma for port_start_s and ends after port_end_s below it. A fault (over-current,
# or current on a port that is switched off) switches the port off until a retry.
# Times are uptime milliseconds, which never wrap (the bench turns ticks into uptime once).
from bench.energy import Energy

MODES = ("auto", "on", "off")


class Port:
    def __init__(self, number, switch):
        self.number = number
        self.switch = switch
        self.mode = "auto"
        self.ma = 0
        self.mv = 0
        self.readable = False
        self.energy = Energy()
        self.session_uwh = 0  # the port's energy counter when the current session began
        self.sessions = 0
        self.session_start = None  # uptime ms when the current session began
        self._above_since = None
        self._above_uwh = 0
        self._below_since = None
        self.fault = None  # "over-current" or "current while off", until the retry
        self.faults = 0
        self.retry_at = 0
        self.retry_ms = 0
        self._clean_since = 0


class PortBank:
    """Ports 1..N; `update` once per sample with the uptime and the readings."""

    def __init__(self, switches, cfg, log):
        self.cfg = cfg
        self.log = log
        self.ports = [Port(i + 1, sw) for i, sw in enumerate(switches)]
        self.allowed = True  # the energy policy's verdict for ports in "auto"
        self.fault_flags = 0  # bit N-1: port N faulted since the last report
        self.trips = []  # (port, fault, mA, retry s) not yet reported as events
        self.recent = []  # (port, start s, duration s, mWh) of the last sessions, newest last

    def set_mode(self, number, mode, now):
        port = self.ports[number - 1]
        port.mode = mode
        if mode != "off" and port.fault is not None:
            # A technician's explicit request is a retry now.
            port.retry_at = now
        self.log.info("ports", "port %d set to %s" % (number, mode))

    def _wanted(self, port, now):
        if port.fault is not None:
            if now - port.retry_at < 0:
                return False
            self.log.info("ports", "port %d: retrying after %s" % (port.number, port.fault))
            port.fault = None
            port._clean_since = now
        if port.mode == "off":
            return False
        return port.mode == "on" or self.allowed

    def _switch(self, port, on, now):
        if port.switch.is_on == on:
            return
        if not on:
            if port.session_start is not None:
                self._close(port, now)
            port._above_since = None  # what was drawn before the port went off starts nothing
            port._below_since = None
        port.switch.set(on)

    def _trip(self, port, why, now):
        cfg = self.cfg.v
        port.fault = why
        port.faults += 1
        self.fault_flags |= 1 << (port.number - 1)
        first = cfg["port_retry_s"] * 1000
        port.retry_ms = first if port.retry_ms == 0 else min(port.retry_ms * 2, cfg["port_retry_max_s"] * 1000)
        port.retry_at = now + port.retry_ms
        self._switch(port, False, now)
        if len(self.trips) < 8:
            self.trips.append((port.number, why, port.ma, port.retry_ms // 1000))
        self.log.warn("ports", "port %d: %s at %d mA; off, retry in %d s"
                      % (port.number, why, port.ma, port.retry_ms // 1000))

    def _close(self, port, end):
        start = port.session_start
        port.session_start = None
        port.sessions += 1
        dur_s = (end - start) // 1000
        wh = (port.energy.uwh() - port.session_uwh) // 1000
        self.recent.append((port.number, start // 1000, dur_s, wh))
        if len(self.recent) > 8:
            self.recent.pop(0)
        self.log.info("ports", "port %d: charging ended after %d s, %d mWh" % (port.number, dur_s, wh))

    def update(self, now, dt_ms, readings):
        """`readings[i]` is (mV, mA) of port i+1, or None when its monitor did not answer."""
        cfg = self.cfg.v
        for port in self.ports:
            reading = readings[port.number - 1]
            port.readable = reading is not None
            if reading is not None:
                port.mv, port.ma = reading
                self._meter(port, now, dt_ms, cfg)
            # The usual case, a port without a fault that is where it should be, costs no call.
            if port.fault is None:
                mode = port.mode
                on = mode != "off" and (mode == "on" or self.allowed)
            else:
                on = self._wanted(port, now)
            if port.switch.is_on != on:
                self._switch(port, on, now)
            if port.fault is None and port.retry_ms and now - port._clean_since >= cfg["port_retry_max_s"] * 1000:
                port.retry_ms = 0  # an hour without a fault: the next one starts the backoff anew

    def _meter(self, port, now, dt_ms, cfg):
        ma = port.ma
        if port.switch.is_on:
            if ma > cfg["port_max_ma"]:
                self._trip(port, "over-current", now)
                return
            port.energy.add(port.mv * ma, dt_ms)
        elif ma > cfg["port_leak_ma"]:
            if port.fault is None:
                self._trip(port, "current while off", now)
            return
        if port.switch.is_on and ma >= cfg["port_session_ma"]:
            port._below_since = None
            if port.session_start is None:
                if port._above_since is None:
                    # Each reading covers the interval before it: the session's energy is
                    # what the port counts after this first reading above the threshold.
                    port._above_since = now
                    port._above_uwh = port.energy.uwh()
                if now - port._above_since >= cfg["port_start_s"] * 1000:
                    port.session_start = port._above_since
                    port.session_uwh = port._above_uwh
                    self.log.info("ports", "port %d: charging started (%d mA)" % (port.number, ma))
        else:
            port._above_since = None
            if port.session_start is not None:
                if port._below_since is None:
                    port._below_since = now
                if now - port._below_since >= cfg["port_end_s"] * 1000:
                    self._close(port, port._below_since)
                    port._below_since = None

    def take_trips(self):
        trips = self.trips
        self.trips = []
        return trips

    def states(self):
        """Bit N-1 set when port N is switched on."""
        bits = 0
        for port in self.ports:
            if port.switch.is_on:
                bits |= 1 << (port.number - 1)
        return bits

    def total_mwh(self):
        return sum([p.energy.mwh for p in self.ports])
