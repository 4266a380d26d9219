# What the bench keeps on flash across resets besides its configuration and report queue
# (state.json): the boot count and health (bench/health.py), the battery's charge and its fuel
# gauge (bench/battery.py). A
# damaged file, or a value of the wrong type, never stops a boot: that part starts afresh.
import json

from bench.payload import RESET_CAUSES as CAUSES

_STATE = "state.json"
_COUNTS = ("boots", "charge_mas", "unproven", "safe_runs", "uptime_s")


def _integer(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _count(value):
    return _integer(value) and value >= 0


def load_state(store, log):
    """The file's values that have the right type: counts, `resets` (one count per cause)
    and `intent` (a reset cause written just before a deliberate reset)."""
    raw = store.read(_STATE)
    if raw is None:
        return {}
    try:
        state = json.loads(raw)
    except (ValueError, UnicodeError, RuntimeError):  # RuntimeError: nested too deep (MicroPython)
        state = None
    if not isinstance(state, dict):
        log.error("bench", "%s unreadable; set aside as %s.bad, counting boots from 1" % (_STATE, _STATE))
        store.set_aside(_STATE)
        return {}
    checked = {}
    for key in _COUNTS:
        if _count(state.get(key)):
            checked[key] = state[key]
    resets = state.get("resets")
    if isinstance(resets, list) and len(resets) == len(CAUSES) and all([_count(n) for n in resets]):
        checked["resets"] = resets
    if state.get("intent") in CAUSES:
        checked["intent"] = state["intent"]
    # The fuel gauge (bench/capacity.py checks its own values) and the battery's temperature.
    for key in ("gauge", "days"):  # their owners check the values themselves
        values = state.get(key)
        if isinstance(values, list) and all([_integer(n) for n in values]):
            checked[key] = values
    if _integer(state.get("batt_mc")) and -60000 <= state["batt_mc"] <= 100000:
        checked["batt_mc"] = state["batt_mc"]
    return checked


def save_state(store, state):
    parts = []
    for key in sorted(state):
        value = state[key]
        if value is None:
            text = "null"
        elif isinstance(value, list):
            text = "[" + ", ".join(["%d" % n for n in value]) + "]"
        elif isinstance(value, str):
            text = '"%s"' % value
        else:
            text = "%d" % value
        parts.append('"%s": %s' % (key, text))
    store.write(_STATE, ("{" + ", ".join(parts) + "}").encode())
