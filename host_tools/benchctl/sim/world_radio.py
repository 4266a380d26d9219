# The world's side of the radio: every uplink the fake modem or broker carried is counted,
# heard by the network server when the link was up, and handed to the host for uplinks.jsonl.
# A part of World (sim/world.py).


class RadioSide:
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
            link = self.bench.radio.wifi if self.bench is not None else None
            seq = None if link is None else link.sending
            self.server.hear(self.now, seq, 1 if topic.endswith("/status") else 2, b"")
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
            link = self.bench.radio.lora if self.bench is not None else None
            self.server.hear(t, None if link is None else link.in_flight, fport, payload)
        if self.on_air is not None:
            self.on_air(t, fport, payload, toa_us, delivered)
