# The status frame (FPort 1) as the JSON published over MQTT: the same field names and values
# as the payload decoders (docs/payload-v1.md), made from the 12 bytes on the bench itself.
from bench.payload import FAULT_NAMES, STATUS_LAYOUT


def _fields(frame):
    out = {}
    pos = 0
    for width, name in STATUS_LAYOUT:
        value = 0
        for _ in range(width):
            value = (value << 1) | ((frame[pos >> 3] >> (7 - (pos & 7))) & 1)
            pos += 1
        out[name] = value
    return out


def _tenths(n):
    return "%d.%d" % (n // 10, n % 10)


def status_json(frame):
    """JSON text of a 12-byte status frame; numbers printed from integers, keys in a fixed order."""
    f = _fields(frame)
    volts = "null" if f["volts"] == 255 else "%d.%02d" % ((1000 + 2 * f["volts"]) // 100, (1000 + 2 * f["volts"]) % 100)
    temp = f["temp"] - 256 if f["temp"] >= 128 else f["temp"]
    ports = ",".join([str(n + 1) for n in range(3) if f["ports"] & (1 << n)])
    faults = ",".join(['"%s"' % FAULT_NAMES[n] for n in range(7) if f["faults"] & (1 << n)])
    return ('{"frame":"status","seq":%d,"soc_pct":%s,"battery_v":%s,"solar_wh":%s,"used_wh":%s,'
            '"sittings":%d,"occupied_min":%d,"charge_sessions":%d,"port_wh":%s,"ports_on":[%s],'
            '"faults":[%s],"battery_c":%s}') % (
        f["seq"], "null" if f["soc"] == 127 else str(f["soc"]), volts, _tenths(f["solar"]), _tenths(f["used"]),
        f["sittings"], f["occupied"], f["charges"], _tenths(f["port"]), ports, faults,
        "null" if temp == -128 else str(temp))
