"""The 24 solar terms (节气): the day the Sun's apparent longitude reaches a multiple of 15°.

A solar term begins at the instant the apparent geocentric ecliptic longitude of the Sun
(NREL SPA, as pvlib implements it: VSOP87 with nutation and aberration, Terrestrial Time
from ΔT) reaches the term's longitude; the Chinese calendar dates it in China Standard
Time (UTC+8). 大寒 (Major Cold, 300°) is the reference day of residential sunlight rules
(GB 50180); 冬至 (winter solstice, 270°) the other one.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import numpy.typing as npt
from pvlib import spa

from twin.errors import InvalidInputError

F64 = npt.NDArray[np.float64]

DAHAN_LONGITUDE_DEG = 300.0
DONGZHI_LONGITUDE_DEG = 270.0
#: China Standard Time, in which the Chinese calendar dates the solar terms
CHINA_STANDARD_TIME = dt.timezone(dt.timedelta(hours=8), "CST")

_TROPICAL_YEAR_D = 365.24219
_DAY_S = 86400.0
#: the March equinox (0°) is near day-of-year 79.5 (20 March), the Sun moves ~0.9856°/day
_EQUINOX_DOY = 79.5


def apparent_sun_longitude(unixtime: F64) -> F64:
    """The Sun's apparent geocentric longitude (degrees in [0, 360)) at each POSIX second."""
    t = np.atleast_1d(np.asarray(unixtime, dtype=np.float64))
    years = np.asarray(
        [dt.datetime.fromtimestamp(float(s), dt.UTC).year for s in t], dtype=np.float64
    )
    months = np.asarray(
        [dt.datetime.fromtimestamp(float(s), dt.UTC).month for s in t], dtype=np.float64
    )
    delta_t = np.asarray(spa.calculate_deltat(years, months), dtype=np.float64)
    jd = spa.julian_day(t)
    jde = spa.julian_ephemeris_day(jd, delta_t)
    jce = spa.julian_ephemeris_century(jde)
    jme = spa.julian_ephemeris_millennium(jce)
    radius = spa.heliocentric_radius_vector(jme)
    theta = spa.geocentric_longitude(spa.heliocentric_longitude(jme))
    nutation = np.empty((2, len(t)))
    spa.longitude_obliquity_nutation(
        jce,
        spa.mean_elongation(jce),
        spa.mean_anomaly_sun(jce),
        spa.mean_anomaly_moon(jce),
        spa.moon_argument_latitude(jce),
        spa.moon_ascending_longitude(jce),
        nutation,
    )
    lam = spa.apparent_sun_longitude(theta, nutation[0], spa.aberration_correction(radius))
    out: F64 = np.mod(np.asarray(lam, dtype=np.float64), 360.0)
    return out


def solar_term_instant(year: int, longitude_deg: float) -> dt.datetime:
    """The UTC instant in Gregorian ``year`` at which the Sun's apparent longitude is
    ``longitude_deg`` (a multiple of 15° for a solar term; any angle works), to ~1 s."""
    if not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 2200:
        raise InvalidInputError("year must be an integer between 1900 and 2200")
    lon = float(longitude_deg)
    if not math.isfinite(lon):
        raise InvalidInputError("solar longitude must be a finite number of degrees")
    lon %= 360.0
    doy = _EQUINOX_DOY + lon / 360.0 * _TROPICAL_YEAR_D
    if doy > 365.0:  # 小寒 and 大寒 (285°-315°) fall early in the year, not a year later
        doy -= _TROPICAL_YEAR_D
    start = dt.datetime(year, 1, 1, tzinfo=dt.UTC).timestamp()
    guess = start + (doy - 1.0) * _DAY_S
    lo, hi = guess - 4 * _DAY_S, guess + 4 * _DAY_S

    def offset(t: float) -> float:  # degrees past ``lon``, in (-180, 180]: increasing in t
        value = float(apparent_sun_longitude(np.asarray([t]))[0])
        return (value - lon + 180.0) % 360.0 - 180.0

    if not offset(lo) < 0.0 < offset(hi):  # cannot happen for 1900-2200; a clear failure
        raise InvalidInputError(f"no solar longitude {lon}° found near day {doy:.0f} of {year}")
    while hi - lo > 0.5:  # bisection to half a second (~28 steps from 8 days)
        mid = 0.5 * (lo + hi)
        if offset(mid) < 0.0:
            lo = mid
        else:
            hi = mid
    return dt.datetime.fromtimestamp(0.5 * (lo + hi), dt.UTC)


def solar_term_date(year: int, longitude_deg: float) -> dt.date:
    """The China Standard Time date of the solar longitude ``longitude_deg`` in ``year``."""
    return solar_term_instant(year, longitude_deg).astimezone(CHINA_STANDARD_TIME).date()


def dahan_date(year: int) -> dt.date:
    """The day of 大寒 (Major Cold, apparent solar longitude 300°) in ``year``, UTC+8."""
    return solar_term_date(year, DAHAN_LONGITUDE_DEG)


def dongzhi_date(year: int) -> dt.date:
    """The day of 冬至 (winter solstice, apparent solar longitude 270°) in ``year``, UTC+8."""
    return solar_term_date(year, DONGZHI_LONGITUDE_DEG)
