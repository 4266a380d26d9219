# Commands from the network: LoRaWAN downlinks (FPorts 10-14, docs/payload-v1.md) and MQTT
# messages on benches/<id>/cmd (the same commands as JSON). A command is checked whole against
# the configuration schema before anything is applied: a bad one changes nothing. A rejection
# is (code, reason): the code goes back to the server in a "command rejected" event.
import json

from micropython import const

from bench import config as schema
from bench.payload import CONFIG_IDS
from bench.ports import MODES as _MODES

MALFORMED = const(1)  # the bytes or JSON do not make a command
BAD_VALUE = const(2)  # a known key with a value of the wrong type or out of its range
UNKNOWN = const(3)  # an unknown command, configuration key or FPort
NOT_FITTED = const(4)  # a port this bench does not have


def _check_config(values):
    """None if every key and value passes the schema, else (code, the first problem)."""
    if not values:
        return MALFORMED, "a configuration command names no key"
    names = schema.names()
    for key in values:
        problem = schema.check(key, values[key])
        if problem is not None:
            return (BAD_VALUE if key in names else UNKNOWN), problem
    return None


def parse_downlink(fport, data):
    """(command dict, None) or (None, (code, why it is rejected))."""
    if fport == 10:
        values = {}
        i = 0
        while i < len(data):
            key_id = data[i]
            if key_id >= len(CONFIG_IDS):
                return None, (UNKNOWN, "unknown configuration key id %d" % key_id)
            key = CONFIG_IDS[key_id]
            if key in values:  # which of the two was meant? Both decoders refuse it too
                return None, (MALFORMED, "configuration key %s twice in one downlink" % key)
            value = 0
            shift = 0
            while True:
                i += 1
                if i >= len(data):
                    return None, (MALFORMED, "the value of %s is cut short" % key)
                value |= (data[i] & 0x7F) << shift
                shift += 7
                if not data[i] & 0x80:
                    break
                if shift > 28:
                    return None, (MALFORMED, "the value of %s is longer than 4 bytes" % key)
            allowed = schema.choices(key)
            if allowed is not None:
                if value >= len(allowed):
                    return None, (BAD_VALUE, "%s choice %d is unknown" % (key, value))
                value = allowed[value]
            values[key] = value
            i += 1
        problem = _check_config(values)
        return (None, problem) if problem else ({"config": values}, None)
    if fport == 11:
        if len(data) != 2 or not 1 <= data[0] <= 8 or data[1] >= len(_MODES):
            return None, (MALFORMED, "a port command is 2 bytes: port 1..8, mode 0 auto / 1 on / 2 off")
        return {"port": data[0], "mode": _MODES[data[1]]}, None
    if fport == 12:
        return ({"read_config": True}, None) if bytes(data) == b"\x00" else (None, (MALFORMED, "read-config is the byte 00"))
    if fport == 13:
        return ({"reboot": True}, None) if bytes(data) == b"\xb0\x07" else (None, (MALFORMED, "reboot is the bytes b007"))
    if fport == 14:
        return ({"resend_from": data[0]}, None) if len(data) == 1 else (None, (MALFORMED, "resend is one byte"))
    return None, (UNKNOWN, "FPort %d carries no command" % fport)


def parse_json(payload):
    """An MQTT command: the same shapes as the TS013 codec's encodeDownlink input, or a
    downlink's own bytes as {"fport": N, "hex": "..."}."""
    try:
        data = json.loads(payload)
    except ValueError:
        return None, (MALFORMED, "not JSON")
    if not isinstance(data, dict):
        return None, (MALFORMED, "a command is one JSON object")
    if "fport" in data or "hex" in data:
        # A LoRaWAN downlink's bytes, as the network server would send them: the same command.
        fport, hexa = data.get("fport"), data.get("hex")
        if isinstance(fport, bool) or not isinstance(fport, int) or not isinstance(hexa, str) or len(hexa) % 2:
            return None, (MALFORMED, "a raw command is {\"fport\": 10..14, \"hex\": \"even number of hex digits\"}")
        for ch in hexa:
            if ch not in "0123456789abcdefABCDEF":
                return None, (MALFORMED, "hex holds %r, which is not a hex digit" % ch)
        return parse_downlink(fport, bytes([int(hexa[i:i + 2], 16) for i in range(0, len(hexa), 2)]))
    if "config" in data:
        values = data["config"]
        if not isinstance(values, dict):
            return None, (MALFORMED, "config must be an object of key: value")
        problem = _check_config(values)
        return (None, problem) if problem else ({"config": values}, None)
    if "port" in data:
        port, mode = data.get("port"), data.get("mode")
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 8 or mode not in _MODES:
            return None, (MALFORMED, "a port command is {\"port\": 1..8, \"mode\": \"auto\"|\"on\"|\"off\"}")
        return {"port": port, "mode": mode}, None
    if data.get("read_config") is True:
        return {"read_config": True}, None
    if data.get("reboot") is True:
        return {"reboot": True}, None
    return None, (UNKNOWN, "unknown command: give config, port and mode, read_config or reboot")
