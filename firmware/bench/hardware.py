# What a board's wiring hands the bench: bus, pin and UART objects already built, the flash
# store, the clock and sleep, the watchdog. A board fills in what it has; None means not fitted.


def one_line(write):
    """`write`, but a line that holds control characters (a newline from a network command, an
    escape sequence from a modem) has each shown as `?`: one call, one console line, so nothing
    the bench quotes can forge a line (a `TRACE` record, a log line) or drive the terminal."""
    def checked(text):
        data = text.encode()
        if data and (min(data) < 32 or 127 in data):
            text = "".join(c if " " <= c and c != "\x7f" else "?" for c in text)
        write(text)
    return checked


class Hardware:
    def __init__(self, board, bench_id, write, store):
        self.board = board  # the board description (boards/NAME/board.json)
        self.bench_id = bench_id
        self.write = one_line(write)  # prints one console line
        self.store = store  # read(name) -> bytes | None, write(name, bytes); survives resets
        self.queue_block = None  # readinto(offset, buf) / write(offset, data): the report queue
        self.reset_cause = "power_on"
        self.i2c = None  # machine.I2C: INA226/INA219 and INA3221 monitors
        self.onewire = None  # onewire.OneWire: DS18B20 temperatures
        self.pir_pin = None  # machine.Pin, input with IRQ
        self.seat_pin = None
        self.radar_uart = None  # machine.UART at 256000 baud: LD2410
        self.radar_power_pin = None  # machine.Pin output: a load switch on the LD2410's 5 V
        self.modem_uart = None  # machine.UART at 115200 baud: the RAK3172 LoRaWAN modem
        self.wlan = None  # network.WLAN station, on a Wi-Fi bench without a modem
        self.open_socket = None  # (host, port) -> a connected non-blocking socket, for MQTT
        self.network = {}  # Wi-Fi and broker settings: ssid, key, broker, port (provisioned)
        self.seed = 1  # randomness for the send jitter: the board's own random number source
        self.port_pins = []  # machine.Pin outputs, one per port's load switch
        self.qi_pin = None
        self.heater_pwm = None  # machine.PWM on the battery heater's MOSFET (duty 0 at reset)
        self.clock = None  # () -> ticks_ms
        self.sleep = None  # (ms) -> None
        self.watchdog = None  # .feed()
        self.watchdog_slice_ms = 1000
        self.free_heap = None  # () -> bytes free on the heap (gc.mem_free), for the heartbeat
        self.bench = None  # set once the bench runs: console lines read while asleep go to it
