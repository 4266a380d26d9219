# ESP32 bench controller on Wi-Fi and MQTT (no LoRaWAN modem): pins in board.json beside this
# file. machine.lightsleep() would drop the Wi-Fi association, so the loop waits in
# time.sleep_ms() with the station in its power-save mode (ESP-IDF modem sleep) instead.
import time

import machine

import wiring


def hardware():
    return wiring.build(time.sleep_ms)


def reset():
    machine.reset()


def keep_alive(watchdog):
    # While benchctl flash copies (main.py's keep_alive): hardware timer 0.
    wiring.keep_alive(watchdog, 0)
