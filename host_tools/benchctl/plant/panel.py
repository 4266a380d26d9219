# The PV panel and the MPPT charge controller: what the panel can give at this irradiance
# and temperature, and how much of it the controller takes for the battery and the loads.


def panel_mw(poa_wm2, air_mc, p):
    """Maximum power (mW) of the panel: irradiance x peak power, derated by cell temperature.
    Cell temperature by the NOCT model: air + (NOCT - 20 C) x G / 800 W/m2."""
    if poa_wm2 <= 0:
        return 0
    cell_mc = air_mc + (p["noct_mc"] - 20000) * poa_wm2 // 800
    factor_ppm = 1000000 + p["gamma_ppm_c"] * (cell_mc - 25000) // 1000
    if factor_ppm < 0:
        factor_ppm = 0
    return poa_wm2 * p["panel_wp"] * factor_ppm // 1000000  # W/m2 x Wp / (1000 W/m2) = mW


def accept_ma(battery, temp_mc, p):
    """The most charge current the controller gives the battery now: its limit, tapering to
    nothing from `absorb_soc` to full (the constant-voltage stage), none below 0 C when the
    controller protects the battery from cold charging."""
    if p["cold_protect"] and temp_mc < 0:
        return 0
    soc = battery.soc_ppm()
    if soc >= 1000000:
        return 0
    top = p["charge_max_ma"]
    if soc > p["absorb_ppm"]:
        top = top * (1000000 - soc) // (1000000 - p["absorb_ppm"])
    return top


class Controller:
    """Input side as its monitor sees it: the panel's voltage and current."""

    def __init__(self, p):
        self.p = p
        self.in_mv = 0
        self.in_ma = 0

    def harvest(self, available_mw, loads_mw, accept_mw):
        """Power (mW, on the battery side) taken from the panel: the loads first, then what
        the battery accepts; the rest stays on the panel (it moves off its maximum power point)."""
        p = self.p
        out_mw = available_mw * p["mppt_ppm"] // 1000000
        want = loads_mw + accept_mw
        used = out_mw if out_mw < want else want
        if used <= 0:
            self.in_mv = p["voc_mv"] if available_mw > 0 else 0
            self.in_ma = 0
            return 0
        in_mw = used * 1000000 // p["mppt_ppm"]
        self.in_mv = p["vmp_mv"] if used == out_mw else (p["vmp_mv"] + p["voc_mv"]) // 2
        self.in_ma = in_mw * 1000 // self.in_mv
        return used
