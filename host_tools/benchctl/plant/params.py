# The plant's parameters: the trace header's `plant` object over these defaults. Units are in
# the names; docs/plant.md has each one's source. Checked on the host, used in both engines.

# (key, default, low, high, meaning)
PARAMS = (
    ("panel_wp", 100, 1, 2000, "panel peak power at 1000 W/m2, W"),
    ("battery_wh", 1280, 10, 20000, "usable battery capacity at 25 C, Wh (12.8 V LiFePO4)"),
    ("initial_soc", 0.8, 0.0, 1.0, "state of charge at t = 0, 0..1"),
    ("seed", 1, 0, 2 ** 31 - 1, "seed of every random choice the models make"),
    ("firmware_knows_soc", 1, 0, 1, "1: the firmware starts knowing the charge (state.json), as a bench in service"),
    ("panel_gamma_pct_c", -0.4, -1.0, 0.0, "panel power temperature coefficient, %/C"),
    ("panel_noct_c", 45, 20, 70, "nominal operating cell temperature, C"),
    ("panel_vmp_v", 17.5, 5.0, 60.0, "panel voltage at maximum power, V"),
    ("panel_voc_v", 21.6, 5.0, 70.0, "panel open-circuit voltage, V"),
    ("mppt_eff", 0.95, 0.5, 1.0, "charge controller conversion efficiency"),
    ("charge_max_a", 10.0, 0.1, 60.0, "largest charge current the controller gives, A"),
    ("absorb_soc", 0.95, 0.5, 1.0, "state of charge where the charge current starts to taper"),
    ("cold_protect", 1, 0, 1, "1: the controller does not charge below 0 C battery temperature"),
    ("battery_mohm", 20, 0, 500, "battery internal resistance, milliohm"),
    ("lvd_v", 10.0, 8.0, 12.5, "low-voltage disconnect: loads off below this terminal voltage, V"),
    ("lvr_v", 12.0, 9.0, 13.5, "loads on again when the rest voltage is back at, V"),
    ("absorb_v", 14.4, 13.6, 15.0, "battery voltage the controller holds while it tapers the charge (absorption), V"),
    ("cells_j_k_wh", 9.8, 1.0, 50.0, "heat capacity of the cells per Wh of capacity, J/K (1.05 J/(g K) at 107 Wh/kg)"),
    ("box_j_k", 1500, 0, 100000, "heat capacity of the battery box besides the cells, J/K (guess)"),
    ("box_w_k", 0.5, 0.01, 20.0, "heat the box loses per kelvin above the air, W/K (guess: 0.5 m2 of 40 mm EPS)"),
    ("heater_w", 0.0, 0.0, 100.0, "battery heater fitted: its power when the board's heater pin is on, W (0: none)"),
    ("controller_ma", 10, 0, 500, "charge controller's own draw from the battery, mA"),
    ("board_sleep_ma", 3.0, 0.0, 500.0, "MCU board asleep (sensors powered), mA at 3.3 V"),
    ("board_awake_ma", 80.0, 0.0, 500.0, "MCU awake, mA at 3.3 V"),
    ("awake_ms", 30, 0, 1000, "time awake per loop wake-up, ms"),
    ("radar_ma", 80.0, 0.0, 500.0, "LD2410 radar, mA at 5 V (fitted boards only)"),
    ("modem_tx_ma", 45.0, 0.0, 500.0, "LoRa modem transmitting at 14 dBm, mA at 3.3 V"),
    ("wifi_ma", 25.0, 0.0, 500.0, "Wi-Fi station connected, modem sleep, mA at 3.3 V"),
    ("dcdc_eff", 0.85, 0.3, 1.0, "battery to 3.3 V / 5 V converters' efficiency"),
    ("usb_eff", 0.90, 0.3, 1.0, "battery to USB 5 V converter efficiency"),
    ("qi_eff", 0.75, 0.3, 1.0, "wireless pad efficiency, battery to phone"),
    ("rain_ghost_pct", 20, 0, 100, "chance the radar sees a ghost target in a rainy sample, %"),
)
_INDEX = {p[0]: p for p in PARAMS}


def check(plant):
    """The parameters with defaults filled in, or raise ValueError naming the bad key."""
    if not isinstance(plant, dict):
        raise ValueError("plant must be a JSON object of parameters")
    values = {p[0]: p[1] for p in PARAMS}
    for key in plant:
        spec = _INDEX.get(key)
        if spec is None:
            continue  # the trace format keeps unknown keys and ignores them
        value = plant[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError("plant %s must be a number, got %r" % (key, value))
        if not spec[2] <= value <= spec[3]:
            raise ValueError("plant %s must be %s..%s (%s), got %r" % (key, spec[2], spec[3], spec[4], value))
        values[key] = value
    if values["lvr_v"] <= values["lvd_v"]:
        raise ValueError("plant lvr_v (%s) must be above lvd_v (%s)" % (values["lvr_v"], values["lvd_v"]))
    return values


def scaled(values):
    """The parameters as the integer units the models use (mW, mV, mA, ppm, ms)."""
    v = values
    return {
        "panel_wp": int(v["panel_wp"]),
        "capacity_mams": int(v["battery_wh"] * 1000 * 3600000 // 12.8),  # mA*ms at 12.8 V nominal
        "initial_ppm": int(v["initial_soc"] * 1000000),
        "seed": int(v["seed"]),
        "firmware_knows_soc": int(v["firmware_knows_soc"]),
        "gamma_ppm_c": int(v["panel_gamma_pct_c"] * 10000),
        "noct_mc": int(v["panel_noct_c"] * 1000),
        "vmp_mv": int(v["panel_vmp_v"] * 1000),
        "voc_mv": int(v["panel_voc_v"] * 1000),
        "mppt_ppm": int(v["mppt_eff"] * 1000000),
        "charge_max_ma": int(v["charge_max_a"] * 1000),
        "absorb_ppm": int(v["absorb_soc"] * 1000000),
        "cold_protect": bool(v["cold_protect"]),
        "r_mohm": int(v["battery_mohm"]),
        "lvd_mv": int(v["lvd_v"] * 1000),
        "lvr_mv": int(v["lvr_v"] * 1000),
        "absorb_mv": int(v["absorb_v"] * 1000),
        "heat_j_k": int(v["cells_j_k_wh"] * v["battery_wh"] + v["box_j_k"]) or 1,
        "loss_mw_k": int(v["box_w_k"] * 1000),
        "heater_mw": int(v["heater_w"] * 1000),
        "controller_ma": int(v["controller_ma"]),
        # Electronics as power drawn from the battery, through their converters.
        "sleep_mw": int(v["board_sleep_ma"] * 3300 / v["dcdc_eff"] / 1000),
        "awake_mw": int(v["board_awake_ma"] * 3300 / v["dcdc_eff"] / 1000),
        "awake_ms": int(v["awake_ms"]),
        "radar_mw": int(v["radar_ma"] * 5000 / v["dcdc_eff"] / 1000),
        "tx_mw": int(v["modem_tx_ma"] * 3300 / v["dcdc_eff"] / 1000),
        "wifi_mw": int(v["wifi_ma"] * 3300 / v["dcdc_eff"] / 1000),
        "usb_ppm": int(v["usb_eff"] * 1000000),
        "qi_ppm": int(v["qi_eff"] * 1000000),
        "rain_ghost_pct": int(v["rain_ghost_pct"]),
    }
