# How the simulated world unwinds the firmware's loop: a reset, or the end of the trace.


class Reset(BaseException):
    """The MCU restarts; args[0] is the cause. A BaseException, so the loop's `except
    Exception` does not swallow it, as a real reset is not catchable."""


class End(BaseException):
    pass
