# Fake GPIO pins with machine.Pin's value() and irq(): an input's level is set by the world
# and a rising edge calls the handler, as the hardware interrupt would; an output keeps what
# the firmware wrote.


class FakePin:
    IRQ_RISING = 1
    IRQ_FALLING = 2

    def __init__(self, level=0):
        self.level = level
        self.handler = None
        self.trigger = 0
        self.on_change = None  # called when the firmware changes an output (a chip it gates)

    def value(self, level=None):
        if level is None:
            return self.level
        level = 1 if level else 0
        if level != self.level:
            self.level = level
            if self.on_change is not None:
                self.on_change()
        return None

    def irq(self, handler=None, trigger=IRQ_RISING):
        self.handler = handler
        self.trigger = trigger

    def drive(self, level):
        """The world sets an input's level."""
        level = 1 if level else 0
        rising = level and not self.level
        falling = self.level and not level
        self.level = level
        if self.handler is not None:
            if (rising and self.trigger & self.IRQ_RISING) or (falling and self.trigger & self.IRQ_FALLING):
                self.handler(self)


class FakePwm:
    """machine.PWM as the heater's MOSFET sees it: the duty the firmware last wrote."""

    def __init__(self):
        self.duty = 0

    def duty_u16(self, value=None):
        if value is None:
            return self.duty
        self.duty = value
        return None

    def share_pm(self):
        return self.duty * 1000 // 65535
