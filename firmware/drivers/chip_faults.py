# How a chip that still answers can be wrong, for the drivers that can tell (payload-v1 sensor
# fault kinds): it takes no writes (stuck), or it answers what it was never told (bad data).


class Stuck(OSError):
    """The chip answers but its registers are frozen: it does not take writes."""


class BadData(OSError):
    """The chip answers with something it was never told: noise on the bus."""
