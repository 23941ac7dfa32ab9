"""Ridgeline views (观山廊道): the terrain's skyline seen from a viewpoint, and how much of it
stays visible when buildings stand in front.

:func:`ridge_from_terrain` finds the horizon of the terrain alone: for every azimuth a fan
of rays over elevation angles gives the highest one that still hits terrain, bisection
between it and the first miss above refines the angle, and the last hit is the ridge
point. Every azimuth is searched at once (one Embree call per fan or bisection step).

:func:`ridgeline_visibility` densifies a ridge polyline and traces eye → ridge point
through the whole scene; the share of the ridge that stays visible is weighted by length
along the ridge, so a densely sampled stretch counts no more than a sparse one.

Azimuths are degrees clockwise from north in the eye's own east-north-up axes; a range runs
clockwise from ``azimuth_from_deg`` to ``azimuth_to_deg`` and may wrap through north (equal
azimuths, mod 360, mean the full circle). Elevation angles are above the eye's horizontal.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt

from tiles.geodesy import EnuFrame
from twin.analysis.frame_points import enu_to_local, lonlath_array, to_local, to_lonlath
from twin.analysis.ray_scene import RayScene
from twin.errors import InvalidInputError

F64 = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: the fan of elevation angles (degrees) searched for the terrain's horizon
FAN_FROM_DEG = -45.0
FAN_TO_DEG = 80.0
FAN_STEP_DEG = 0.5
#: halvings of one fan step: 0.5° / 2^16 ≈ 8e-6°, 0.3 mm at 2 km
BISECTIONS = 16
MAX_RIDGE_SAMPLES = 2_000_000

Eye = Sequence[float] | F64


@dataclass(frozen=True, eq=False)
class RidgeVisibility:
    """The densified ridge ``points`` (lon, lat, h), whether each is ``visible`` from the
    eye, the ``visible_share`` of the ridge's length, and per point the index (into the
    scene's features) of the nearest obstruction: -1 when visible (or when the obstructing
    triangle belongs to no feature)."""

    points: F64
    visible: BoolArray
    visible_share: float
    blocking: tuple[int, ...]


def azimuth_range(azimuth_from_deg: float, azimuth_to_deg: float) -> tuple[float, float]:
    """(start in [0, 360), clockwise span in (0, 360]) of an azimuth range."""
    if not (math.isfinite(azimuth_from_deg) and math.isfinite(azimuth_to_deg)):
        raise InvalidInputError("azimuths must be finite numbers of degrees")
    start = azimuth_from_deg % 360.0
    span = (azimuth_to_deg - azimuth_from_deg) % 360.0
    return start, span if span > 1e-9 else 360.0


def eye_point(frame: EnuFrame, eye: Eye) -> tuple[F64, F64, F64]:
    """The eye as (lon/lat/h (1, 3), frame point (3,), its east/north/up axes as the rows
    of a (3, 3) matrix in the frame)."""
    ll = lonlath_array(cast("F64", eye), "eye")
    if ll.shape != (1, 3):
        raise InvalidInputError("eye must be one [lon, lat, h] point")
    axes: F64 = enu_to_local(frame, ll, np.eye(3)[None])[0]
    return ll, to_local(frame, ll)[0], axes


def view_directions(azimuth_deg: F64, elevation_deg: F64, axes: F64) -> F64:
    """Unit vectors in the frame toward (azimuth, elevation) in the eye's axes."""
    az = np.radians(azimuth_deg)
    el = np.radians(elevation_deg)
    enu = np.stack([np.sin(az) * np.cos(el), np.cos(az) * np.cos(el), np.sin(el)], axis=-1)
    out: F64 = enu @ axes
    return out


def view_angles(vectors: F64, axes: F64) -> tuple[F64, F64]:
    """(azimuth in [0, 360), elevation) in degrees of frame vectors seen in the eye's axes."""
    enu = np.asarray(vectors, dtype=np.float64).reshape(-1, 3) @ axes.T
    az = np.degrees(np.arctan2(enu[:, 0], enu[:, 1])) % 360.0
    el = np.degrees(np.arctan2(enu[:, 2], np.hypot(enu[:, 0], enu[:, 1])))
    return az, el


def _positive(value: float, what: str) -> float:
    if isinstance(value, bool) or not (math.isfinite(value) and value > 0.0):
        raise InvalidInputError(f"{what} must be a positive number")
    return float(value)


def ridge_from_terrain(
    scene: RayScene,
    eye: Eye,
    azimuth_from_deg: float,
    azimuth_to_deg: float,
    *,
    step_deg: float = 0.25,
    max_distance_m: float = 20000.0,
) -> F64:
    """The terrain's skyline seen from ``eye`` (lon, lat, h): one (lon, lat, h) point per
    azimuth step from ``azimuth_from_deg`` clockwise to ``azimuth_to_deg`` (both included),
    the terrain point at the highest elevation angle within ``max_distance_m``. Azimuths
    where no terrain is in reach have no point. Only ``terrain`` features are used."""
    start, span = azimuth_range(azimuth_from_deg, azimuth_to_deg)
    step = _positive(step_deg, "step_deg")
    if step > 45.0:
        raise InvalidInputError("step_deg must be at most 45 degrees")
    reach = _positive(max_distance_m, "max_distance_m")
    terrain = scene.subset(lambda f: f.kind == "terrain")
    if terrain.triangle_count == 0:
        raise InvalidInputError("the scene has no terrain to find a ridgeline on")
    _, origin, axes = eye_point(scene.frame, eye)
    n = max(1, math.ceil(span / step - 1e-9))
    steps = np.arange(n) if span >= 360.0 else np.arange(n + 1)
    azimuths = ((start + steps * (span / n)) % 360.0).astype(np.float64)
    fan = np.arange(FAN_FROM_DEG, FAN_TO_DEG + FAN_STEP_DEG / 2, FAN_STEP_DEG)

    a, e = np.meshgrid(azimuths, fan, indexing="ij")
    hit = _hits_terrain(terrain, origin, view_directions(a.ravel(), e.ravel(), axes), reach)
    hit = hit.reshape(a.shape)
    found = hit.any(axis=1)
    azimuths, hit = azimuths[found], hit[found]
    top = hit.shape[1] - 1 - np.argmax(hit[:, ::-1], axis=1)
    lo: F64 = fan[top]
    hi: F64 = np.where(top == len(fan) - 1, 89.9, lo + FAN_STEP_DEG)
    for _ in range(BISECTIONS):
        mid: F64 = 0.5 * (lo + hi)
        up = _hits_terrain(terrain, origin, view_directions(azimuths, mid, axes), reach)
        lo = np.where(up, mid, lo)
        hi = np.where(up, hi, mid)
    unit = view_directions(azimuths, lo, axes)
    hits = terrain.first_hits(np.broadcast_to(origin, unit.shape), unit, reach)
    ok = hits.hit
    points = origin + unit[ok] * hits.distance[ok][:, None]
    return to_lonlath(scene.frame, points) if len(points) else np.zeros((0, 3))


def _hits_terrain(terrain: RayScene, origin: F64, unit: F64, reach: float) -> BoolArray:
    return terrain.occluded(np.broadcast_to(origin, unit.shape), unit, reach)


def ridgeline_visibility(
    scene: RayScene,
    eye: Eye,
    ridge: F64 | Sequence[Sequence[float]],
    *,
    densify_m: float = 10.0,
    tolerance_m: float = 0.5,
) -> RidgeVisibility:
    """Which parts of the ridge polyline (lon, lat, h) are visible from ``eye``: a point is
    visible when nothing in ``scene`` lies on the segment eye → point but in its last
    ``tolerance_m`` (the ridge's own terrain). The polyline is densified to at most
    ``densify_m`` between samples; the share is by length along the ridge."""
    ridge_ll = lonlath_array(ridge, "ridge")
    if len(ridge_ll) == 0:
        raise InvalidInputError("ridge must have at least one point")
    spacing = _positive(densify_m, "densify_m")
    if isinstance(tolerance_m, bool) or not (math.isfinite(tolerance_m) and tolerance_m >= 0):
        raise InvalidInputError("tolerance_m must be a non-negative number of metres")
    _, origin, _ = eye_point(scene.frame, eye)
    samples = _densify(to_local(scene.frame, ridge_ll), spacing)
    ray = samples - origin
    length = np.linalg.norm(ray, axis=1)
    reach = length - tolerance_m
    check = reach > 0.0
    visible = np.ones(len(samples), dtype=bool)
    blocking = np.full(len(samples), -1, np.int64)
    if check.any():
        hits = scene.first_hits(np.broadcast_to(origin, ray.shape)[check], ray[check], reach[check])
        visible[check] = ~hits.hit
        blocking[check] = np.where(hits.hit, hits.feature, -1)
    pieces = np.linalg.norm(np.diff(samples, axis=0), axis=1)
    total = float(pieces.sum())
    if total > 0.0:
        share = float(np.sum(pieces * 0.5 * (visible[:-1] + visible[1:].astype(float))) / total)
    else:
        share = float(visible.mean())
    return RidgeVisibility(
        points=to_lonlath(scene.frame, samples),
        visible=visible,
        visible_share=share,
        blocking=tuple(int(b) for b in blocking),
    )


def _densify(local: F64, spacing: float) -> F64:
    """The polyline ``local`` with samples at most ``spacing`` apart (its vertices kept)."""
    if len(local) < 2:
        return local.copy()
    seg = np.diff(local, axis=0)
    pieces = np.maximum(1, np.ceil(np.linalg.norm(seg, axis=1) / spacing)).astype(np.int64)
    total = int(pieces.sum()) + 1
    if total > MAX_RIDGE_SAMPLES:
        raise InvalidInputError(
            f"the ridge would need {total} samples at densify_m={spacing:g}; "
            f"at most {MAX_RIDGE_SAMPLES} (use a larger densify_m)"
        )
    which = np.repeat(np.arange(len(seg)), pieces)
    first = np.repeat(np.cumsum(pieces) - pieces, pieces)
    t = (np.arange(total - 1) - first) / pieces[which]
    out: F64 = np.concatenate([local[which] + t[:, None] * seg[which], local[-1:]])
    return out
