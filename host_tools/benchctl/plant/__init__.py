# The bench's power plant, simulated for closed-loop replays (docs/plant.md): panel, charge
# controller, LiFePO4 battery, loads. Integer arithmetic, so CPython and MicroPython agree.
