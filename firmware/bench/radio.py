# The bench's radio: the link its board has (a LoRaWAN modem, or Wi-Fi and MQTT) fed from the
# report queue, its airtime budget kept on flash, and what the network says turned into commands.
from micropython import const

from bench.downlink import MALFORMED, parse_downlink, parse_json
from bench.payload import HEALTH_BYTES, STATUS_BYTES

_AIRTIME = "airtime.txt"
_NONE_MS = const(3600000)
_HOUR_MS = const(3600000)
_HEALTH_SHARE = const(10)  # health frames spend at most a tenth of the day's airtime budget

# OTAA keys in network.json: (its name, RUI3's, hex digits). The JoinEUI is RUI3's APPEUI.
_KEYS = (("deveui", "DEVEUI", 16), ("joineui", "APPEUI", 16), ("appkey", "APPKEY", 32))


def lora_keys(network, log):
    """[(RUI3 name, hex)] of the keys network.json gives; a malformed one is named (never
    its value) and left to the modem."""
    keys = []
    for name, at, digits in _KEYS:
        value = network.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or len(value) != digits or any(c not in "0123456789abcdefABCDEF" for c in value):
            log.warn("radio", "network.json: %s must be %d hex digits; the modem keeps the one it has" % (name, digits))
            continue
        keys.append((at, value.upper()))
    return keys


class Radio:
    """`tick(now)` runs the link and returns the ms until it wants the next tick. `kind` is
    "lorawan", "mqtt" or None (no radio fitted: reports stay queued)."""

    def __init__(self, hw, queue, log, command):
        self.store = hw.store
        self.command = command  # bench.command(command, why, source)
        self.lora = self._lora(hw, queue, log) if hw.modem_uart is not None else None
        self.wifi = self._wifi(hw, queue, log) if self.lora is None and hw.wlan is not None else None
        self.kind = "lorawan" if self.lora is not None else ("mqtt" if self.wifi is not None else None)
        if self.kind is None:
            log.warn("radio", "no radio fitted: reports wait in the queue")

    def _lora(self, hw, queue, log):
        # Only LoRaWAN boards load the link, its airtime book and the modem's driver.
        from bench.airtime import AirtimeBudget
        from bench.lorawan import LoRaLink
        from drivers.rak3172 import Rak3172

        budget = AirtimeBudget()
        saved = hw.store.read(_AIRTIME)
        if saved is not None and not budget.restore(saved.decode("utf-8", "replace")):
            log.warn("radio", "%s is not a whole airtime book: the day's airtime and downlinks are counted as "
                     "spent, so the bench sends again in 24 h" % _AIRTIME)
        link = LoRaLink(Rak3172(hw.modem_uart, lora_keys(hw.network, log)), queue, log, budget, hw.seed)
        link.on_spend = self._save_budget
        return link

    def _wifi(self, hw, queue, log):
        from bench.wifi import WifiLink  # only Wi-Fi boards load the MQTT client

        net = hw.network
        return WifiLink(hw.wlan, hw.open_socket, queue, hw.bench_id, log, net.get("ssid", ""), net.get("key", ""),
                        net.get("broker", ""), net.get("port", 1883), net.get("user"), net.get("password"))

    def _save_budget(self, now):
        # Every booking goes to flash before the frame goes on the air: a bench that resets
        # in a loop must not get a fresh 30 s a day with every boot. Hourly too (save_state),
        # or a bench resetting more often than a day would never see its budget free again.
        if self.lora is not None:
            self.store.write(_AIRTIME, self.lora.budget.saved(now).encode())

    def save_state(self, now):
        self._save_budget(now)

    def troubles(self):
        """A count that grows whenever the radio misbehaves: modem timeouts, answers that are
        none of the manual's, the modem set up again; on Wi-Fi, station or broker failures."""
        if self.lora is not None:
            modem = self.lora.modem
            return modem.timeouts + modem.garbage + self.lora.restarts
        if self.wifi is not None:
            return self.wifi.troubles
        return 0

    def health_every_ms(self):
        """How often a health frame may go: hourly, or less often where its airtime would spend
        more than a tenth of the daily budget (SF9 and slower)."""
        if self.lora is None:
            return _HOUR_MS
        from bench.airtime import BUDGET_US, airtime_us  # loaded with the link (_lora)

        per_day_us = BUDGET_US // _HEALTH_SHARE
        frames = per_day_us // airtime_us(HEALTH_BYTES, self.lora.sf)
        return _HOUR_MS if frames >= 24 else (24 // (frames if frames > 0 else 1) + 1) * _HOUR_MS

    def report_interval_s(self, configured_s):
        """The configured interval, stretched at slow data rates to keep within fair use."""
        if self.lora is None:
            return configured_s
        from bench.airtime import report_interval_s  # loaded with the link (_lora)

        return report_interval_s(configured_s, STATUS_BYTES, self.lora.sf)

    def tick(self, now):
        lora = self.lora
        if lora is not None:
            wait = lora.tick(now)
            while lora.inbox:
                fport, data = lora.inbox.pop(0)
                command, why = parse_downlink(fport, data)
                self.command(command, why, "lorawan", fport)
            return wait
        wifi = self.wifi
        if wifi is None:
            return _NONE_MS
        wait = wifi.tick(now)
        while wifi.commands:
            _, payload = wifi.commands.pop(0)
            if payload is None:  # longer than any command (drivers/mqtt.py): rejected, not lost
                command, why = None, (MALFORMED, "a command longer than 512 bytes")
            else:
                command, why = parse_json(payload)
            self.command(command, why, "mqtt")
        # The link's own wait, at least a second: idle, the socket is read at each sample (every
        # 10 s), not woken for every second, which a Wi-Fi bench did 86,400 times a day.
        return wait if wait > 1000 else 1000

    def status(self, now):
        """One line for the console's `status`."""
        lora = self.lora
        if lora is not None:
            return "lorawan %s, SF%d, link %s, %d sent (%d again), airtime %d ms in 24 h, %d downlinks%s" % (
                lora.state, lora.sf, {True: "up", False: "down", None: "unchecked"}[lora.link_up], lora.sent,
                lora.resent, lora.budget.spent_us(now) // 1000, lora.downlinks,
                ", modem set up again %d time(s)" % lora.restarts if lora.restarts else "")
        wifi = self.wifi
        if wifi is not None:
            return "mqtt %s, %d published" % ("connected" if wifi.mqtt is not None else "offline", wifi.published)
        return "none fitted"
