# esp32-wifi: the files this board runs (MicroPython's manifest format). `benchctl flash`
# copies them, compiled with mpy-cross; MicroPython's build can freeze them from this file.
metadata(description="ESP32 bench reporting over Wi-Fi and MQTT")
include("../common/manifest.py")
module("board.py")
module("wiring.py", base_path="../common")
package("bench", files=("wifi.py", "status_json.py"), base_path="../../firmware")
package(
    "drivers",
    files=("mqtt.py", "broker_socket.py", "ina2xx.py", "ina226.py", "ina3221.py", "ds18b20.py", "pir.py", "ld2410.py",
           "heater.py"),
    base_path="../../firmware",
)
