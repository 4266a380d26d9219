# Energy counted in integers: mV * mA * ms carried into whole mWh, so that a year of small
# increments loses nothing (a single-precision float stops adding 0.01 Wh to 100 kWh).
from micropython import const

_NJ_PER_UWH = const(3600000)  # 1 uWh = 3.6 mJ = 3.6e6 nJ; mV * mA * ms = nJ


class Energy:
    def __init__(self):
        self.mwh = 0
        self._uwh = 0
        self._nj = 0

    def add(self, uw, dt_ms):
        """Add a power of `uw` microwatts (mV x mA) lasting `dt_ms`; negative power is not
        counted here (a flow's two directions are two counters)."""
        if uw <= 0 or dt_ms <= 0:
            return
        uwh, self._nj = divmod(self._nj + uw * dt_ms, _NJ_PER_UWH)
        mwh, self._uwh = divmod(self._uwh + uwh, 1000)
        self.mwh += mwh

    def uwh(self):
        """Total in uWh, including what has not made a whole mWh yet."""
        return self.mwh * 1000 + self._uwh

    def clear(self):
        self.mwh = 0
        self._uwh = 0
        self._nj = 0
