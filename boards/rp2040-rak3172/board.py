# RP2040 + RAK3172 bench controller: pins in board.json beside this file. The RP2040 watchdog
# cannot exceed 8.3 s and keeps counting in light sleep, so the loop sleeps in 4 s slices.
import machine

import wiring


def hardware():
    return wiring.build(machine.lightsleep)


def reset():
    # On RP2040 every deliberate reset reads as a watchdog reset: the bench saved its state.
    machine.reset()


def keep_alive(watchdog):
    # While benchctl flash copies (main.py's keep_alive): a virtual timer, the RP2040's only kind.
    wiring.keep_alive(watchdog, -1)
