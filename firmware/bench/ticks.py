# Wrap-safe millisecond arithmetic, matching MicroPython's time.ticks_diff, whose ticks wrap
# at 2**30 (about 12.4 days): the bench turns ticks into uptime through this, once a tick.
from micropython import const

_MASK = const(0x3FFFFFFF)
_HALF = const(0x20000000)


def ticks_diff(later, earlier):
    """Signed difference later - earlier in ms, correct across one wrap."""
    return ((later - earlier + _HALF) & _MASK) - _HALF
