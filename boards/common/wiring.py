# Builds the Hardware a MicroPython board hands the bench, from its board.json: I2C, 1-Wire,
# pins, the radar's UART, the watchdog, the flash store. The only place, with each board's
# board.py, that imports machine.
import gc
import json
import os
import time

import machine
import onewire

from bench.bench import QUEUE_CAPACITY
from bench.files import FileBlock, FileStore
from bench.hardware import Hardware
from bench.provision import bench_id, provisioned
from bench.queue import block_bytes
from drivers.usb_console import UsbConsole

_AWAKE_MS = 600000

# machine.reset_cause() values, as the trace format names them.
_CAUSES = {
    machine.PWRON_RESET: "power_on",
    machine.HARD_RESET: "hard",
    machine.WDT_RESET: "watchdog",
    machine.DEEPSLEEP_RESET: "power_on",
    machine.SOFT_RESET: "soft",
}


def _pin_in(number):
    return machine.Pin(number, machine.Pin.IN)


def _wifi(hw):
    import network

    from drivers.broker_socket import opener

    wlan = network.WLAN(network.STA_IF)
    wlan.active(True)
    wlan.config(pm=wlan.PM_POWERSAVE)  # modem sleep between beacons
    hw.wlan = wlan
    try:
        hw.open_socket = opener(hw.network)
    except ValueError as e:
        problem = str(e)
        hw.write("radio: %s" % problem)

        def refuse(host, port):
            raise OSError(problem)  # the link says so at every try, and the bench runs on

        hw.open_socket = refuse


_KEPT = []  # type: list  # the keep-alive timer, referenced until the reset ends it


def keep_alive(watchdog, timer_id):
    """Feed `watchdog` every second from a timer (its callback runs while mpremote copies: the
    REPL runs pending callbacks between the commands it executes) until the next reset."""
    timer = machine.Timer(timer_id)
    timer.init(period=1000, mode=machine.Timer.PERIODIC, callback=lambda t: watchdog.feed())
    _KEPT.append(timer)


def build(sleep):
    with open("board.json") as f:
        board = json.load(f)
    if board.get("gc_threshold_bytes"):
        # A heap collected only once it is full fragments: after days, a 512-byte allocation
        # fails with 20 KB free in pieces. A collection after every so many bytes allocated
        # keeps it whole (measured by benchctl/figures/board_heap.py; docs/boards.md, "RAM").
        gc.threshold(board["gc_threshold_bytes"])
    store = FileStore()
    console = UsbConsole()
    hw = Hardware(board, "unset", console.write, store)
    hw.bench_id = bench_id(store, hw.write)
    hw.reset_cause = _CAUSES.get(machine.reset_cause(), "power_on")
    # Provisioned by `benchctl flash --secrets`, never printed: LoRaWAN keys (deveui, joineui,
    # appkey) or Wi-Fi and broker settings (ssid, key, broker, port).
    hw.network = provisioned(store, hw.write)
    i2c = board["i2c"]
    hw.i2c = machine.I2C(i2c["id"], scl=machine.Pin(i2c["scl"]), sda=machine.Pin(i2c["sda"]), freq=i2c["freq"])
    if "onewire_pin" in board:
        hw.onewire = onewire.OneWire(machine.Pin(board["onewire_pin"]))
    if "pir_pin" in board:
        hw.pir_pin = _pin_in(board["pir_pin"])
    if "seat_pin" in board:
        hw.seat_pin = _pin_in(board["seat_pin"])
    radar = board.get("radar")
    if radar:
        hw.radar_uart = machine.UART(radar["uart"], baudrate=radar["baud"], tx=radar["tx"], rx=radar["rx"],
                                     rxbuf=radar["rxbuf"], timeout=0)
    modem = board.get("modem")
    if modem:
        # RAK3172 RUI3: 115200 8N1; a +EVT:RX line with 51 bytes is about 140 characters.
        hw.modem_uart = machine.UART(modem["uart"], baudrate=modem["baud"], tx=modem["tx"], rx=modem["rx"],
                                     rxbuf=512, timeout=0)
    if board.get("wifi"):
        _wifi(hw)
    hw.seed = int.from_bytes(os.urandom(4), "big") or 1  # send jitter differs bench to bench
    if "radar_power_pin" in board:
        hw.radar_power_pin = machine.Pin(board["radar_power_pin"], machine.Pin.OUT, value=1)
    hw.port_pins = [machine.Pin(n, machine.Pin.OUT, value=0) for n in board.get("port_pins", ())]
    if "qi_pin" in board:
        hw.qi_pin = machine.Pin(board["qi_pin"], machine.Pin.OUT, value=0)
    if "heater_pin" in board:
        # Off until the firmware decides; 1 kHz is far above the pad's thermal time constant.
        hw.heater_pwm = machine.PWM(machine.Pin(board["heater_pin"], machine.Pin.OUT, value=0))
        hw.heater_pwm.freq(1000)
        hw.heater_pwm.duty_u16(0)
    try:
        hw.queue_block = FileBlock("queue.bin", block_bytes(QUEUE_CAPACITY))
    except OSError:
        hw.queue_block = None  # the bench says so and keeps its reports in RAM
    hw.clock = time.ticks_ms
    hw.free_heap = gc.mem_free
    hw.watchdog = machine.WDT(timeout=board["watchdog_ms"])
    hw.watchdog_slice_ms = board["watchdog_ms"] // 2

    awake_since = [time.ticks_ms()]

    def sleep_and_listen(ms):
        # Light sleep stops the console's UART: after boot and for ten minutes after the last
        # typed line the bench idles awake, so a field engineer gets answers at once; then it
        # light-sleeps and reads what was typed at the next sample (docs/boards.md).
        if time.ticks_diff(time.ticks_ms(), awake_since[0]) < _AWAKE_MS:
            time.sleep_ms(ms)
        else:
            sleep(ms)
        for line in console.lines():
            awake_since[0] = time.ticks_ms()
            bench_input(line)

    def bench_input(line):
        if hw.bench is not None:
            hw.bench.console_input(line)

    hw.sleep = sleep_and_listen
    return hw
