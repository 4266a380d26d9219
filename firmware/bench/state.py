# What the bench keeps on flash across resets besides its configuration and report queue:
# the boot count and the battery's charge (state.json). A damaged file never stops a boot.
import json

_STATE = "state.json"


def load_state(store, log):
    """{"boots", "charge_mas"} as far as the file has them with the right type."""
    raw = store.read(_STATE)
    if raw is None:
        return {}
    try:
        state = json.loads(raw)
    except ValueError:
        state = None
    if not isinstance(state, dict):
        log.error("bench", "%s unreadable; counting boots from 1" % _STATE)
        return {}
    checked = {}
    for key in ("boots", "charge_mas"):
        value = state.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            checked[key] = value
    return checked


def save_state(store, boots, charge_mas):
    store.write(_STATE, ('{"boots": %d, "charge_mas": %s}' % (
        boots, "null" if charge_mas is None else charge_mas)).encode())
