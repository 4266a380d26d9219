# MicroPython's `micropython` module for the firmware running under CPython: const() is the
# identity (mpy-cross folds it on the board).


def const(value):
    return value
