# PIR motion sensor (HC-SR501 class) on a GPIO: a rising edge is latched by interrupt, so a
# pulse shorter than the sample interval still counts. The handler only sets a flag: it
# allocates nothing, as MicroPython's ISR rules ask.


class Pir:
    def __init__(self, pin):
        self.pin = pin
        self._edge = False
        pin.irq(handler=self._on_edge, trigger=pin.IRQ_RISING)

    def _on_edge(self, pin):
        self._edge = True

    def take(self):
        """1 if motion was seen since the last call (an edge, or the output still high)."""
        seen = self._edge or self.pin.value()
        self._edge = False
        return 1 if seen else 0
