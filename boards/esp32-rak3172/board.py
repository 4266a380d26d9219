# ESP32 + RAK3172 bench controller: pins in board.json beside this file; light sleep between
# samples (esp32 keeps GPIO and UART wake-up in light sleep).
import machine

import wiring


def hardware():
    return wiring.build(machine.lightsleep)


def reset():
    machine.reset()


def keep_alive(watchdog):
    # While benchctl flash copies (main.py's keep_alive): hardware timer 0.
    wiring.keep_alive(watchdog, 0)
