# A load switch's enable pin: one per charging port, and one for the wireless pad.


class LoadSwitch:
    def __init__(self, pin, active_high=True):
        self.pin = pin
        self.active_high = active_high
        self.is_on = False
        self.set(False)

    def set(self, on):
        self.pin.value(1 if on == self.active_high else 0)
        self.is_on = bool(on)
