# The bench's logic: sensors in, decisions and reports out; no hardware imports, time passed in.
#
# One flat package, grouped here (docs/modules.md has the map with what each group owns); a
# subpackage per group would cost each board about 200 bytes of heap per package and longer
# module names, measured on the 32-bit port.
#
#   running    boot, bench, loop, life, hardware, health, safe, state, files, provision, ticks
#   sensing    sensors, ports, units
#   energy     battery, capacity, energy, budget, days, heating, policy
#   presence   seat, sitting, pir_motion, pir_watch, radar_power
#   telemetry  report, payload, status_json, queue, heartbeat, trace, log
#   radio      radio, lorawan, airtime, retry, jitter, wifi, downlink, commands
#   people     console, config, version
