# A load switch's enable pin: one per charging port, and one for the wireless pad.


class LoadSwitch:
    def __init__(self, pin, active_high=True):
        self.pin = pin
        self.active_high = active_high
        self.is_on = False
        self._drive(False)

    def _drive(self, on):
        self.pin.value(1 if on == self.active_high else 0)
        self.is_on = on

    def set(self, on):
        """Switch on or off; the pin is written only when the state changes."""
        on = bool(on)
        if on != self.is_on:
            self._drive(on)
