"""The weather at the bench, sample by sample: pvlib's solar position and Ineichen clear sky
on the panel's plane, times a day-by-day cloud regime; snow that covers a panel for days;
air temperature with its season, its day and cold snaps; rain. Seeded, so a seed gives the
same weather every time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pvlib

# Smiltene climate (guesses from Latvian normals): monthly mean air temperature, C, Jan..Dec,
# and the day-to-night swing, C.
MEAN_C = (-5.0, -5.0, -1.0, 6.0, 12.0, 15.5, 17.5, 16.5, 11.5, 6.0, 1.0, -3.0)
SWING_C = (3.0, 4.0, 6.0, 8.0, 10.0, 10.0, 9.0, 9.0, 7.0, 5.0, 3.0, 2.5)
# Chance of an overcast / a partly cloudy day by month (the rest are clear): Baltic winters
# are grey (domain-facts: autumn and winter give 10-20 % of the year's PV yield).
OVERCAST = (0.70, 0.60, 0.45, 0.35, 0.30, 0.30, 0.30, 0.35, 0.40, 0.55, 0.70, 0.75)
PARTLY = (0.20, 0.25, 0.30, 0.35, 0.40, 0.40, 0.40, 0.40, 0.35, 0.30, 0.20, 0.18)
SNAP_PER_DAY = (0.04, 0.04, 0.02, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.01, 0.02, 0.04)  # cold snap starts


@dataclass
class Site:
    lat: float = 57.42
    lon: float = 25.90
    altitude_m: float = 100.0
    tilt_deg: float = 0.0  # a flat panel on the bench
    azimuth_deg: float = 180.0


def sun(site: Site, times: pd.DatetimeIndex) -> pd.DataFrame:
    """Clear-sky irradiance on the panel's plane, W/m2, and the sun's elevation."""
    loc = pvlib.location.Location(site.lat, site.lon, tz="UTC", altitude=site.altitude_m)
    position = loc.get_solarposition(times)
    clear = loc.get_clearsky(times, model="ineichen", solar_position=position)
    poa = pvlib.irradiance.get_total_irradiance(site.tilt_deg, site.azimuth_deg, position["apparent_zenith"],
                                                position["azimuth"], clear["dni"], clear["ghi"], clear["dhi"])
    return pd.DataFrame({"poa_clear": poa["poa_global"].fillna(0.0).clip(lower=0.0),
                         "elevation": position["apparent_elevation"]}, index=times)


def weather(site: Site, times: pd.DatetimeIndex, rng: np.random.Generator) -> pd.DataFrame:
    frame = sun(site, times)
    days = times.normalize()
    day_list = days.unique()
    n = len(times)
    month = times.month.to_numpy() - 1
    # Day by day: the cloud regime, cold snaps, snowfall and melting.
    regime, snap, snow = {}, {}, {}
    snap_left, snap_depth, covered = 0, 0.0, 0
    for day in day_list:
        m = day.month - 1
        r = rng.random()
        regime[day] = 2 if r < OVERCAST[m] else (1 if r < OVERCAST[m] + PARTLY[m] else 0)
        if snap_left == 0 and rng.random() < SNAP_PER_DAY[m]:
            snap_left, snap_depth = int(rng.integers(3, 8)), float(rng.uniform(8, 20))
        snap[day] = -snap_depth if snap_left else 0.0
        snap_left = max(0, snap_left - 1)
        mean = MEAN_C[m] + snap[day]
        if covered:
            covered = 0 if mean > 1.0 or (regime[day] == 0 and rng.random() < 0.4) else covered - 1
        elif mean < 0.5 and regime[day] == 2 and rng.random() < 0.35:
            covered = int(rng.integers(2, 9))  # snowfall: the flat panel is white for days
        snow[day] = covered > 0
    day_index = np.array([regime[d] for d in days])
    # Clear-sky index: steady on clear and overcast days, flickering on partly cloudy ones.
    k = np.where(day_index == 0, rng.uniform(0.85, 1.0, n),
                 np.where(day_index == 1, rng.uniform(0.25, 1.0, n), rng.uniform(0.08, 0.3, n)))
    covered_now = np.array([snow[d] for d in days])
    poa = frame["poa_clear"].to_numpy() * k * np.where(covered_now, 0.03, 1.0)
    # Air: monthly mean, warmest mid-afternoon, a slow weather anomaly, and the snaps.
    hour = times.hour.to_numpy() + times.minute.to_numpy() / 60
    swing = np.array([SWING_C[i] for i in month]) * np.where(day_index == 2, 0.4, 1.0)
    anomaly = np.cumsum(rng.normal(0, 0.03, n))
    anomaly -= np.linspace(anomaly[0], anomaly[-1], n)  # no drift over the period
    air = (np.array([MEAN_C[i] for i in month]) + np.array([snap[d] for d in days])
           + swing / 2 * np.cos((hour - 15) / 24 * 2 * np.pi) + anomaly)
    wet = (day_index == 2) & (air > 1.0)
    rain = wet & (rng.random(n) < 0.3)
    return pd.DataFrame({"poa_wm2": poa.round(1), "air_c": air.round(1), "rain": rain.astype(int),
                         "snow": covered_now.astype(int), "elevation": frame["elevation"].to_numpy()}, index=times)
