# esp32-rak3172: the files this board runs (MicroPython's manifest format). `benchctl flash`
# copies them, compiled with mpy-cross; `make firmware BOARD=esp32-rak3172` freezes them.
metadata(description="ESP32 bench with a RAK3172 LoRaWAN modem")
include("../common/manifest.py")
module("board.py")
module("wiring.py", base_path="../common")
package("bench", files=("lorawan.py", "airtime.py", "jitter.py", "retry.py"), base_path="../../firmware")
package(
    "drivers",
    files=("rak3172.py", "ina2xx.py", "ina226.py", "ina3221.py", "ds18b20.py", "pir.py", "ld2410.py", "heater.py"),
    base_path="../../firmware",
)
