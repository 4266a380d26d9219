# What every bench runs, whatever its board (MicroPython's manifest format, paths relative to
# this folder): the boot, the bench's logic, and the drivers every board has. A board's own
# manifest includes this and adds its chips and its radio link; docs/boards.md has the why.
module("main.py", base_path="../../firmware")
package(
    "bench",
    files=(
        "__init__.py", "battery.py", "bench.py", "boot.py", "budget.py", "capacity.py", "commands.py", "config.py",
        "console.py", "days.py", "downlink.py", "energy.py", "files.py", "hardware.py", "health.py",
        "heartbeat.py", "life.py", "log.py", "loop.py", "payload.py", "pir_motion.py", "pir_watch.py",
        "ports.py", "provision.py", "queue.py", "radar_power.py", "radio.py", "report.py", "seat.py",
        "sensors.py", "sitting.py", "state.py", "ticks.py", "trace.py", "units.py", "version.py",
        # Imported only when they are needed: safe mode after a boot loop, the heater when
        # heater_w is set, the threshold ladder when energy_policy is `ladder`.
        "safe.py", "heating.py", "policy.py",
    ),
    base_path="../../firmware",
)
package("drivers", files=("__init__.py", "chip_faults.py", "switch.py", "usb_console.py"), base_path="../../firmware")
