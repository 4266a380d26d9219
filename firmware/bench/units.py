# Integers to decimal text without floats, so the console prints the same bytes on every
# port (ESP32 and RP2040 have single-precision floats; the unix port has doubles).


def fixed(value, places):
    """fixed(12345, 3) -> '12.345'; fixed(18100, 3) -> '18.1'; fixed(-5, 3) -> '-0.005'."""
    sign = "-" if value < 0 else ""
    value = -value if value < 0 else value
    scale = 10 ** places
    whole, frac = divmod(value, scale)
    if frac == 0:
        return sign + str(whole)
    text = str(frac)
    text = "0" * (places - len(text)) + text
    while text[-1] == "0":
        text = text[:-1]
    return sign + str(whole) + "." + text


def clock(ms):
    """Uptime as '1d 02:03:04' or '02:03:04'."""
    s = ms // 1000
    d, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    hms = "%02d:%02d:%02d" % (h, m, s)
    return ("%dd " % d + hms) if d else hms
