# esp32-rak3172: the files this board runs (MicroPython's manifest format). `benchctl flash`
# copies them, compiled with mpy-cross; MicroPython's build can freeze them from this file.
metadata(description="ESP32 bench with a RAK3172 LoRaWAN modem")
include("../common/manifest.py")
module("board.py")
module("wiring.py", base_path="../common")
include("../common/manifest_lorawan.py")
package(
    "drivers",
    files=("ina2xx.py", "ina226.py", "ina3221.py", "ds18b20.py", "pir.py", "ld2410.py", "heater.py"),
    base_path="../../firmware",
)
