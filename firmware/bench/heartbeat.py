# Hourly health metrics (Memfault's practice, domain-facts "Reliability"): uptime, resets by
# cause, loop overruns, sensor errors per sensor, radio troubles, queue depth, free heap. A console line every
# hour; a health frame (payload-v1 FPort 2 type 6) every hour too where it is cheap, less often
# where it would spend more than a tenth of the day's airtime (bench/radio.py), and none while a
# backlog waits: a snapshot never takes a report's place in the queue.
from micropython import const

from bench.payload import FPORT_EVENT, HEALTH_SENSORS, encode_health

HOUR_MS = const(3600000)
# Frames on flash beyond which the link is behind and reports come first. Sent frames stay
# there until a link check confirms them (every 16 frames, bench/lorawan.py), so up to about
# 20 is the usual state of a link that keeps up.
_BACKLOG = const(24)


class Heartbeat:
    def __init__(self, health, log):
        self.health = health
        self.log = log
        self.next_ms = HOUR_MS
        self.next_frame_ms = HOUR_MS
        self.overruns = 0  # loop ticks that ran over (bench/loop.py), this hour
        self._seen = {}  # sensor errors counted at the last beat
        self._radio_seen = 0

    def beat(self, uptime_ms, sensor_errors, radio_troubles, queue, free_heap, frame_every_ms, gauge=None):
        """The hour's metrics on the console, and as a frame when one is due."""
        errors = []
        for role in HEALTH_SENSORS:
            total = 0
            for name in sensor_errors:
                if name == role or (role == "ports" and name.startswith("port")):
                    total += sensor_errors[name] - self._seen.get(name, 0)
            errors.append(total)
        self._seen = dict(sensor_errors)
        radio = radio_troubles - self._radio_seen
        self._radio_seen = radio_troubles
        heap = "?" if free_heap is None else "%d KB" % (free_heap // 1024)
        named = " ".join(["%s %d" % (HEALTH_SENSORS[i], errors[i]) for i in range(len(errors)) if errors[i]])
        self.log.info("health", "up %d h, resets %s, overruns %d, sensor errors %s, radio troubles %d, queue %d, "
                      "heap %s free" % (uptime_ms // HOUR_MS, self.health.resets_text(), self.overruns,
                                        named or "none", radio, len(queue), heap))
        if uptime_ms >= self.next_frame_ms and len(queue) < _BACKLOG:
            queue.put(FPORT_EVENT, encode_health(uptime_ms // HOUR_MS, self.health.resets, self.overruns, errors,
                                                 radio, len(queue), free_heap, gauge))
            self.next_frame_ms = uptime_ms + frame_every_ms - HOUR_MS // 60
        self.overruns = 0
        self.next_ms += HOUR_MS
        if self.next_ms <= uptime_ms:
            self.next_ms = uptime_ms + HOUR_MS
