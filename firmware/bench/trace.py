# `trace on`: each sample as a `TRACE {json}` line whose JSON is a trace-v1 record, so a real
# bench's console can be recorded as a trace. Keys in a fixed order, numbers from integers.
from bench.sensors import MA, MV
from bench.units import fixed


def trace_line(now_ms, s):
    parts = ['"t":%s' % fixed(now_ms, 3)]
    for name, reading in (("solar", s.solar), ("batt", s.battery)):
        if reading is None:
            parts.append('"%s_v":null,"%s_a":null' % (name, name))
        else:
            parts.append('"%s_v":%s,"%s_a":%s' % (name, fixed(reading[MV], 3), name, fixed(reading[MA], 3)))
    for name, mc in (("batt_c", s.batt_mc), ("air_c", s.air_mc)):
        if mc is not None:
            parts.append('"%s":%s' % (name, fixed(mc, 3)))
    for i in range(len(s.ports)):
        reading = s.ports[i]
        if reading is None:
            parts.append('"port%d_a":null' % (i + 1))
        else:
            parts.append('"port%d_a":%s,"port%d_v":%s' % (i + 1, fixed(reading[MA], 3), i + 1, fixed(reading[MV], 3)))
    if s.pir is not None:
        parts.append('"pir":%d' % s.pir)
    if s.radar_ok:
        parts.append('"radar_cm":%s' % ("null" if s.radar_cm is None else s.radar_cm))
    if s.seat is not None:
        parts.append('"seat":%d' % s.seat)
    return "TRACE {" + ",".join(parts) + "}"
