# The LoRaWAN link over a RAK3172 modem (MicroPython's manifest format): what a board with
# a `modem` in its board.json adds to the common manifest.
package("bench", files=("lorawan.py", "airtime.py", "jitter.py", "retry.py"), base_path="../../firmware")
package("drivers", files=("rak3172.py",), base_path="../../firmware")
