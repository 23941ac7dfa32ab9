"""Sunshine duration (日照时数) at points: how long the Sun shines on them in a window.

Each step of the window (true solar time, :mod:`twin.analysis.sun_path`) counts as sunlit
at a point when the Sun is above the point's horizon, in front of its surface (when the
point has a normal: a facade or window point) and no scene triangle lies on the ray from
the point toward the Sun. All points × all steps are traced in a few large Embree batches.

The Sun is at infinity, so one set of positions (computed at the points' mean lon/lat)
serves every point: within 10 km the true solar time shifts by under 30 s.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from twin.analysis.frame_points import enu_to_local, local_up, lonlath_array, to_local
from twin.analysis.ray_scene import RayScene
from twin.analysis.sky_view import unit_normals
from twin.analysis.solar_terms import dahan_date
from twin.analysis.sun_path import DEFAULT_WINDOW, SunSamples, format_hhmm, sun_samples
from twin.errors import InvalidInputError

F64 = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: rays per ``occluded`` call (each call spreads them over the scene's threads)
BATCH_RAYS = 1 << 21
MAX_POINTS = 200_000


@dataclass(frozen=True)
class PointSunlight:
    """Sunshine at one point: ``total_min`` sunlit minutes (``hours`` = total / 60), the
    longest unbroken run, whether it meets the requirement (None without one) and the
    sunlit spans as true-solar-time ``("HH:MM", "HH:MM")`` pairs."""

    hours: float
    total_min: float
    longest_continuous_min: float
    passes: bool | None
    periods: tuple[tuple[str, str], ...]


def sunlit_steps(
    scene: RayScene, points: F64, normals_enu: F64 | None, sun: SunSamples
) -> BoolArray:
    """(n, k): whether point ``i`` (lon/lat/h) is in sunshine at step ``j`` of ``sun``."""
    pts = lonlath_array(points)
    n, k = len(pts), len(sun)
    if n > MAX_POINTS:
        raise InvalidInputError(f"at most {MAX_POINTS} points per sunlight analysis, not {n}")
    lit = np.zeros((n, k), dtype=bool)
    if n == 0 or k == 0:
        return lit
    ref = np.asarray([[pts[:, 0].mean(), pts[:, 1].mean(), 0.0]])
    toward_sun = enu_to_local(scene.frame, ref, sun.enu[None])[0]  # (k, 3), one per step
    toward_sun /= np.linalg.norm(toward_sun, axis=1)[:, None]
    lit = np.asarray(
        (local_up(scene.frame, pts) @ toward_sun.T) > 0.0, dtype=bool
    )  # above each point's horizon
    if normals_enu is not None:
        normals = unit_normals(normals_enu, n)
        facing = enu_to_local(scene.frame, pts, normals)
        lit &= (facing @ toward_sun.T) > 0.0
    origins = to_local(scene.frame, pts)
    rows, cols = np.nonzero(lit)
    for start in range(0, len(rows), BATCH_RAYS):
        r = rows[start : start + BATCH_RAYS]
        c = cols[start : start + BATCH_RAYS]
        blocked = scene.occluded(origins[r], toward_sun[c])
        lit[r[blocked], c[blocked]] = False
    return lit


def sunlight_at(
    scene: RayScene,
    points: F64,
    normals_enu: F64 | None = None,
    day: dt.date | None = None,
    window: tuple[str, str] = DEFAULT_WINDOW,
    step_min: float = 1.0,
    required_hours: float | None = None,
    *,
    min_period_min: float = 0.0,
) -> list[PointSunlight]:
    """Sunshine at each point (lon/lat/h, in input order) on ``day`` (default: 大寒 of this
    year) within ``window`` of true solar time. ``normals_enu`` are the points' surface
    normals in local east-north-up (None: points open to every direction). Sunlit runs
    shorter than ``min_period_min`` are not counted (some local rules ignore short ones)."""
    pts = lonlath_array(points)
    if required_hours is not None and not (
        isinstance(required_hours, int | float) and 0.0 <= float(required_hours) <= 24.0
    ):
        raise InvalidInputError("required_hours must be a number of hours between 0 and 24")
    if not (isinstance(min_period_min, int | float) and 0.0 <= float(min_period_min) <= 1440.0):
        raise InvalidInputError("min_period_min must be a number of minutes, 0 or more")
    if day is None:
        day = dahan_date(dt.datetime.now(dt.UTC).year)
    if len(pts) == 0:
        return []
    sun = sun_samples(float(pts[:, 0].mean()), float(pts[:, 1].mean()), day, window, step_min)
    lit = sunlit_steps(scene, pts, normals_enu, sun)
    return summarise(lit, sun, required_hours, min_period_min=float(min_period_min))


def summarise(
    lit: BoolArray,
    sun: SunSamples,
    required_hours: float | None = None,
    *,
    min_period_min: float = 0.0,
) -> list[PointSunlight]:
    """Per row of ``lit`` (n, k): its sunlit runs summed up as a :class:`PointSunlight`."""
    n = len(lit)
    step = sun.step_min
    edges = np.diff(np.pad(lit, ((0, 0), (1, 1))).astype(np.int8), axis=1)
    run_rows, run_starts = np.nonzero(edges == 1)
    _, run_ends = np.nonzero(edges == -1)  # row-major order pairs each end with its start
    lengths = (run_ends - run_starts) * step
    keep = lengths >= min_period_min - 1e-9
    run_rows, run_starts, run_ends, lengths = (
        run_rows[keep],
        run_starts[keep],
        run_ends[keep],
        lengths[keep],
    )
    total = np.zeros(n)
    longest = np.zeros(n)
    np.add.at(total, run_rows, lengths)
    np.maximum.at(longest, run_rows, lengths)
    spans: list[list[tuple[str, str]]] = [[] for _ in range(n)]
    half = step / 2.0
    for row, s, e in zip(run_rows.tolist(), run_starts.tolist(), run_ends.tolist(), strict=True):
        spans[row].append(
            (format_hhmm(sun.minutes[s] - half), format_hhmm(sun.minutes[e - 1] + half))
        )
    out = []
    for i in range(n):
        minutes = float(total[i])
        hours = minutes / 60.0
        out.append(
            PointSunlight(
                hours=hours,
                total_min=minutes,
                longest_continuous_min=float(longest[i]),
                passes=None if required_hours is None else hours >= float(required_hours) - 1e-9,
                periods=tuple(spans[i]),
            )
        )
    return out
