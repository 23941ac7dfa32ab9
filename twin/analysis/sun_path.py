"""Where the Sun stands, step by step through a window of true solar time (真太阳时).

Chinese sunlight rules (GB 50180, GB/T 50947) count sunshine hours in true solar time:
local apparent time, whose noon is the Sun's transit. It is UTC plus the longitude (4 min
per degree) plus the equation of time. A window is split into steps of ``step_min``; each
step is represented by the Sun at its middle. Positions are NREL SPA (pvlib), topocentric,
without atmospheric refraction (the geometric Sun, as sunlight standards compute it).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import pvlib

from twin.errors import InvalidInputError

F64 = npt.NDArray[np.float64]

DEFAULT_WINDOW = ("08:00", "16:00")
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")


@dataclass(frozen=True, eq=False)
class SunSamples:
    """One Sun position per step: ``minutes`` of true solar time since midnight at the
    middle of the step, ``enu`` unit vectors toward the Sun in local east-north-up (k, 3),
    ``elevation_deg`` / ``azimuth_deg`` (clockwise from north), ``unixtime`` (UTC seconds)."""

    minutes: F64
    enu: F64
    elevation_deg: F64
    azimuth_deg: F64
    unixtime: F64
    step_min: float

    def __len__(self) -> int:
        return len(self.minutes)


def parse_hhmm(text: str, what: str = "time") -> float:
    """``"HH:MM"`` (00:00-24:00) as minutes since midnight."""
    m = _HHMM.match(text.strip()) if isinstance(text, str) else None
    if m is None:
        raise InvalidInputError(f"{what} must be a time of day as 'HH:MM', not {text!r}")
    hours, minutes = int(m.group(1)), int(m.group(2))
    if minutes > 59 or hours * 60 + minutes > 24 * 60:
        raise InvalidInputError(f"{what} {text!r} is not a time of day between 00:00 and 24:00")
    return float(hours * 60 + minutes)


def format_hhmm(minutes: float) -> str:
    """Minutes since midnight as ``"HH:MM"``, rounded to the nearest minute."""
    total = round(minutes)
    return f"{total // 60:02d}:{total % 60:02d}"


def window_minutes(window: tuple[str, str], step_min: float) -> tuple[float, float, int]:
    """The validated window (start, end minutes) and its number of steps."""
    if not isinstance(window, tuple | list) or len(window) != 2:
        raise InvalidInputError("window must be a pair of times ('HH:MM', 'HH:MM')")
    start = parse_hhmm(window[0], "window start")
    end = parse_hhmm(window[1], "window end")
    if not start < end:
        raise InvalidInputError(f"window start {window[0]} must be before its end {window[1]}")
    if isinstance(step_min, bool) or not isinstance(step_min, int | float):
        raise InvalidInputError("step_min must be a number of minutes")
    step = float(step_min)
    if not (math.isfinite(step) and 0.0 < step <= 60.0):
        raise InvalidInputError("step_min must be more than 0 and at most 60 minutes")
    count = (end - start) / step
    steps = round(count)
    if abs(count - steps) > 1e-6:
        raise InvalidInputError(
            f"the window of {end - start:g} min is not a whole number of {step:g} min steps"
        )
    return start, end, steps


def sun_samples(
    lon: float,
    lat: float,
    day: dt.date,
    window: tuple[str, str] = DEFAULT_WINDOW,
    step_min: float = 1.0,
) -> SunSamples:
    """The Sun at the middle of each ``step_min`` of ``window`` (true solar time) on ``day``
    (the local date at ``lon``), seen from ``lon``, ``lat`` (degrees) on the ellipsoid."""
    if not (math.isfinite(lon) and math.isfinite(lat) and abs(lon) <= 180 and abs(lat) <= 90):
        raise InvalidInputError("lon must be within ±180 and lat within ±90 degrees")
    if not isinstance(day, dt.date):
        raise InvalidInputError("day must be a date")
    start, _, steps = window_minutes(window, step_min)
    minutes = start + (np.arange(steps, dtype=np.float64) + 0.5) * float(step_min)
    midnight = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()
    # true solar time = UTC + 4 min/degree of longitude + equation of time (which changes by
    # under 30 s a day, so its value an instant earlier is good to well below a second)
    mean_solar = midnight + (minutes - 4.0 * lon) * 60.0
    eot = _solar_position(mean_solar, lat, lon)["equation_of_time"].to_numpy(np.float64)
    unixtime = mean_solar - eot * 60.0
    pos = _solar_position(unixtime, lat, lon)
    elevation = pos["elevation"].to_numpy(np.float64)
    azimuth = pos["azimuth"].to_numpy(np.float64)
    el, az = np.radians(elevation), np.radians(azimuth)
    enu = np.stack([np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el)], axis=1)
    return SunSamples(
        minutes=minutes,
        enu=enu,
        elevation_deg=elevation,
        azimuth_deg=azimuth,
        unixtime=unixtime,
        step_min=float(step_min),
    )


def _solar_position(unixtime: F64, lat: float, lon: float) -> pd.DataFrame:
    times = pd.DatetimeIndex(pd.to_datetime(np.round(unixtime * 1e3), unit="ms", utc=True))
    out: pd.DataFrame = pvlib.solarposition.get_solarposition(times, lat, lon, altitude=0.0)
    return out
