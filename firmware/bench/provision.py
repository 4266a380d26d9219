# What `benchctl flash --secrets` provisions in network.json, read with a shape check: the
# bench never dies of it. Each board's wiring reads the file through `provisioned()`.
import json

from micropython import const

_ID_MAX = const(32)  # as the trace-v1 header's bench id: 1-32 of A-Z a-z 0-9 _ -

# name: (type, longest text) of each setting; a text's length is bounded so that a file
# written over by something else cannot fill the heap. `port` is a number, `tls` a boolean.
_TEXTS = {
    "deveui": 16, "joineui": 16, "appkey": 32,  # LoRaWAN OTAA keys (checked as hex by bench/radio.py)
    "ssid": 32, "key": 64,  # IEEE 802.11: an SSID is at most 32 bytes, a WPA2 passphrase 63
    "broker": 253, "user": 128, "password": 128,  # a DNS name is at most 253 characters
    "ca": 8192,  # a PEM certificate chain
}
_MAX_BYTES = 12288  # a whole file beyond this is not a network.json


def network(raw, say):
    """The settings of network.json's bytes `raw` (None: no file), each checked for its type;
    a bad one is named through `say` and left out, as if the file did not give it. Returns
    (settings, whole): whole is False when the file as such is unusable (not JSON, not an
    object, too big): the caller sets it aside (network.json.bad) so it is not read again."""
    if raw is None:
        return {}, True
    if len(raw) > _MAX_BYTES:
        say("network.json: %d bytes is not a network.json (at most %d); set aside as network.json.bad"
            % (len(raw), _MAX_BYTES))
        return {}, False
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeError, MemoryError, RuntimeError):
        say("network.json: not JSON; set aside as network.json.bad, flash the bench again with --secrets")
        return {}, False
    if not isinstance(data, dict):
        say("network.json: holds %s, not an object of settings; set aside as network.json.bad, flash the "
            "bench again with --secrets" % type(data).__name__)
        return {}, False
    settings = {}
    for name in data:
        value = data[name]
        problem = _problem(name, value)
        if problem is None:
            settings[name] = value
        else:
            say("network.json: %s; the bench goes on without it" % problem)
    return settings, True


def _problem(name, value):
    if not isinstance(name, str) or len(name) > 16:
        return "an unknown setting"
    if name == "port":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
            return "port must be a number 1..65535"
        return None
    if name == "tls":
        return None if isinstance(value, bool) else "tls must be true or false"
    longest = _TEXTS.get(name)
    if longest is None:
        return "unknown setting %s" % "".join(c if "a" <= c <= "z" or c == "_" else "?" for c in name)
    if name in ("user", "password") and value is None:
        return None
    if not isinstance(value, str) or len(value) > longest:
        return "%s must be text of at most %d characters" % (name, longest)
    return None


def provisioned(store, say):
    """network.json from the flash `store`, checked; a file unusable as a whole is renamed
    network.json.bad (kept for the technician, never read again)."""
    settings, whole = network(store.read("network.json"), say)
    if not whole:
        store.set_aside("network.json")
    return settings


def bench_id(store, say):
    """The bench id `benchctl flash` wrote to bench_id, or "unset" (named through `say`) when
    the file is missing or is not an id."""
    raw = store.read("bench_id")
    if raw is None:
        return "unset"
    text = raw.strip()
    if 1 <= len(text) <= _ID_MAX and all(48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122 or c in (45, 95)
                                         for c in text):
        return text.decode()
    say("bench_id: not a bench id (1-32 of A-Z a-z 0-9 _ -); the bench reports as 'unset' until flashed again")
    return "unset"
