# The world's side of the radio: every uplink the fake modem or broker carried is counted,
# heard by the network server when the link was up, and handed to the host for uplinks.jsonl.
# Which queue record a frame carried is found from the bytes the flash was given (as a
# network server would know it from the frame), never from inside the firmware.
# A part of World (sim/world.py).


def _published_as(topic, body):
    """Whether a queue record (fport, payload) is what the bench published as `body` under
    `topic`: docs/telemetry.md's topics, the status as its JSON, other frames in hex."""
    if topic.endswith("/status"):
        from bench.status_json import status_json  # a Wi-Fi bench's: a LoRaWAN board carries none

        return lambda fport, payload: fport == 1 and len(payload) == 12 and status_json(payload).encode() == body
    return lambda fport, payload: body == ('{"fport":%d,"hex":"%s"}' % (fport, "".join(["%02x" % b for b in payload]))).encode()


class RadioSide:
    def _record(self, same):
        """The queue seq of the record an uplink carried (None for a frame not queued, such as
        a reply made on the spot); the search starts after the last one found."""
        seq = self.queue_block.find(self.sent_seq + 1, same)
        if seq is not None:
            self.sent_seq = seq
        return seq

    def _settled(self):
        # Something left the bench after its last flash writes: they had finished, so a
        # reset's torn write cannot undo them (the airtime book a frame was booked in).
        self.flash.settled()
        self.queue_block.settled()

    def _published(self, topic, payload, delivered):
        """A PUBLISH reached the broker's socket; the broker took it unless it is faulted."""
        self._settled()
        self.uplinks += 1
        self.uplink_bytes += len(payload)
        if delivered:
            self.server.hear(self.now, self._record(_published_as(topic, payload)), 1 if topic.endswith("/status") else 2, b"")
        if self.on_air is not None:
            self.on_air(self.now, None, payload, None, delivered, topic)

    def _heard(self, t, fport, payload, toa_us, delivered):
        """An uplink left the fake modem: count it, and let the server hear it if the link was up.
        A JoinRequest (fport None) only counts its airtime."""
        self._settled()
        if fport is None:
            self.joins += 1
            self.join_airtime_us += toa_us
            if self.on_air is not None:
                self.on_air(t, fport, payload, toa_us, delivered)
            return
        self.uplinks += 1
        self.uplink_bytes += len(payload)
        self.airtime_us += toa_us
        if self.plant is not None:
            self.plant.tx_ms += toa_us // 1000
        if delivered:
            self.server.hear(t, self._record(lambda f, p: f == fport and p == payload), fport, payload)
        if self.on_air is not None:
            self.on_air(t, fport, payload, toa_us, delivered)
