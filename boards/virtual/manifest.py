# virtual: MicroPython's unix port whose chips are the replay's fakes (`benchctl virtual`); it
# runs what an esp32-rak3172 bench runs, with its own board.py (the simulator is mounted
# beside the flash, not deployed).
metadata(description="the virtual board: a bench on MicroPython's unix port")
include("../common/manifest.py")
module("board.py")
include("../common/manifest_lorawan.py")
package(
    "drivers",
    files=("ina2xx.py", "ina226.py", "ina3221.py", "ds18b20.py", "pir.py", "ld2410.py", "heater.py"),
    base_path="../../firmware",
)
