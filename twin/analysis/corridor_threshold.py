"""Protected view corridors (London View Management Framework): the threshold surface.

A protected vista runs from an assessment point (the viewer's eye, ``eye_height_m`` above
the viewpoint's ground) to a landmark. Development inside the viewing corridor must stay
below a *threshold plane* sloping from the eye to a stated height at the landmark.

* One target: the corridor is the triangle viewpoint → target ± ``half_width_m`` measured
  perpendicular to the view; the surface is the plane through the eye and the horizontal
  line through the target perpendicular to the view.
* Two or more targets (the edges of a wider view, in order): the corridor is the fan
  viewpoint → targets, and each wedge between consecutive targets has its own plane
  through the eye and those two target points.

:class:`PlaneThreshold` puts the surface at height ``H`` at the target(s) (the targets' own
heights are then ignored); :class:`ClearanceThreshold` is the line of sight from the eye to
each target's own height, lowered by ``metres`` everywhere (including at the eye).

Earth curvature and refraction (LVMF Appendix E). Along a bearing from the eye, let ``d`` be
the ground distance of a point and ``D`` the distance to the target line on that bearing.
Heights are above the (curved) ellipsoid. Take a chord between the eye at height ``h0`` and
the target line at ``h1``: above the sphere of radius ``R`` the ground at ``d`` rises
``d²/(2R)`` above the tangent at the eye, so the chord's height is, to second order,
``h0 + (h1 - h0) d/D - d (D - d) / (2R)`` (a straight line sags below the linear
interpolation of heights; it is exact at both ends). Atmospheric refraction bends the ray
of light with radius ``R/k`` towards the ground, which lifts it by ``k d (D - d) / (2R)``.
Together the sight line lies ``(1 - k) d (D - d) / (2R)`` below the linear interpolation;
with ``k = 0.143`` (``R = 6 371 km``) that is the surveyors' combined correction
``0.0673 d²`` metres per km² of a single sight. ``curvature=False`` drops the correction.

Ground positions are handled in an east-north-up tangent frame at the viewpoint: at the
few kilometres of a view, its plane distances equal ground distances to well under a
millimetre per kilometre.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt
import shapely

from tiles.geodesy import EnuFrame
from twin.analysis.frame_points import ground_distance_m, to_local, to_lonlath
from twin.errors import InvalidInputError

F64 = npt.NDArray[np.float64]

EARTH_RADIUS_M = 6_371_000.0
#: the farthest target a corridor may have (the tangent-plane construction stays exact)
MAX_DISTANCE_M = 100_000.0
#: a target this close to the viewpoint has no direction
MIN_DISTANCE_M = 1.0


@dataclass(frozen=True)
class PlaneThreshold:
    """The surface meets the target(s) at ``target_height_m`` above the ellipsoid."""

    target_height_m: float

    def __post_init__(self) -> None:
        if not _finite(self.target_height_m):
            raise InvalidInputError("threshold target_height_m must be a finite number")


@dataclass(frozen=True)
class ClearanceThreshold:
    """The surface is the sight line eye → targets lowered by ``metres``."""

    metres: float

    def __post_init__(self) -> None:
        if not _finite(self.metres) or self.metres < 0:
            raise InvalidInputError("threshold metres must be a finite number ≥ 0")


Threshold = PlaneThreshold | ClearanceThreshold
Point3 = tuple[float, float, float]


@dataclass(frozen=True)
class CorridorSpec:
    """A viewing corridor. ``viewpoint`` is (lon, lat, ground h); ``targets`` (lon, lat, h)."""

    viewpoint: Point3
    targets: tuple[Point3, ...]
    threshold: Threshold
    eye_height_m: float = 1.6
    half_width_m: float = 10.0
    refraction_k: float = 0.143
    curvature: bool = True

    def __post_init__(self) -> None:
        vp = _point(self.viewpoint, "viewpoint")
        object.__setattr__(self, "viewpoint", vp)
        if isinstance(self.targets, str | bytes) or not isinstance(self.targets, Sequence):
            raise InvalidInputError("targets must be a list of [lon, lat, h] points")
        targets = tuple(_point(t, f"targets[{i}]") for i, t in enumerate(self.targets))
        if not targets:
            raise InvalidInputError("targets must hold at least one point")
        object.__setattr__(self, "targets", targets)
        if not isinstance(self.threshold, PlaneThreshold | ClearanceThreshold):
            raise InvalidInputError("threshold must be a PlaneThreshold or ClearanceThreshold")
        if not _finite(self.eye_height_m) or self.eye_height_m < 0:
            raise InvalidInputError("eye_height_m must be a finite number ≥ 0")
        if not _finite(self.half_width_m) or self.half_width_m <= 0:
            raise InvalidInputError("half_width_m must be a positive number of metres")
        if not _finite(self.refraction_k) or not 0.0 <= self.refraction_k < 1.0:
            raise InvalidInputError("refraction_k must be a number from 0 up to 1")
        if not isinstance(self.curvature, bool):
            raise InvalidInputError("curvature must be true or false")
        for i, t in enumerate(targets):
            d = ground_distance_m(vp, t)
            if d < MIN_DISTANCE_M:
                raise InvalidInputError(f"targets[{i}] is at the viewpoint")
            if d > MAX_DISTANCE_M:
                raise InvalidInputError(
                    f"targets[{i}] is farther than {MAX_DISTANCE_M / 1000:g} km from the viewpoint"
                )
        geom = corridor_geometry(self)
        t1, t2 = geom.t1, geom.t2
        cross = t1[:, 0] * t2[:, 1] - t1[:, 1] * t2[:, 0]
        size = np.linalg.norm(t1, axis=1) * np.linalg.norm(t2, axis=1)
        for i in np.flatnonzero(np.abs(cross) <= 1e-9 * size).tolist():
            raise InvalidInputError(
                f"targets[{i}] and targets[{i + 1}] are in line with the viewpoint"
            )


@dataclass(frozen=True)
class CorridorGeometry:
    """A corridor in the viewpoint's tangent frame: wedge ``i`` spans the eye (at the origin,
    height ``eye_h``) and the target line ``t1[i]`` (height ``h1[i]``) → ``t2[i]`` (``h2[i]``),
    plane coordinates in metres. ``sag`` is ``(1 - k) / (2R)`` (0 without curvature)."""

    frame: EnuFrame
    eye_h: float
    t1: F64
    t2: F64
    h1: F64
    h2: F64
    sag: float

    @property
    def ring(self) -> F64:
        """The corridor outline (x, y), the viewpoint first."""
        return np.concatenate([np.zeros((1, 2)), self.t1[:1], self.t2])


def corridor_geometry(spec: CorridorSpec) -> CorridorGeometry:
    vp = spec.viewpoint
    frame = EnuFrame(vp[0], vp[1], 0.0)
    ground = np.asarray([[t[0], t[1], 0.0] for t in spec.targets], dtype=np.float64)
    xy = to_local(frame, ground)[:, :2]
    heights = np.asarray([t[2] for t in spec.targets], dtype=np.float64)
    if len(xy) == 1:
        dist = float(np.linalg.norm(xy[0]))
        normal = np.array([-xy[0, 1], xy[0, 0]]) / dist  # to the left of the view
        t1 = (xy[0] - spec.half_width_m * normal)[None]
        t2 = (xy[0] + spec.half_width_m * normal)[None]
        h1 = h2 = heights
    else:
        t1, t2, h1, h2 = xy[:-1], xy[1:], heights[:-1], heights[1:]
    eye_h = vp[2] + spec.eye_height_m
    if isinstance(spec.threshold, PlaneThreshold):
        h1 = h2 = np.full(len(t1), spec.threshold.target_height_m)
    else:
        eye_h -= spec.threshold.metres
        h1 = h1 - spec.threshold.metres
        h2 = h2 - spec.threshold.metres
    sag = (1.0 - spec.refraction_k) / (2.0 * EARTH_RADIUS_M) if spec.curvature else 0.0
    return CorridorGeometry(frame, eye_h, t1, t2, np.asarray(h1), np.asarray(h2), sag)


def threshold_xy(geom: CorridorGeometry, x: F64, y: F64) -> F64:
    """The threshold's ellipsoidal height at plane points (x, y); NaN outside the corridor.

    In wedge ``i``, ``p = s (t1 + u (t2 - t1))`` with ``s, u`` in [0, 1]: ``s`` is the share
    ``d/D`` of the way from the eye to the target line and ``u`` the place along it. Where
    wedges overlap (a fan that folds back) the lower surface wins.
    """
    px = np.asarray(x, dtype=np.float64)
    py = np.asarray(y, dtype=np.float64)
    out = np.full(np.broadcast(px, py).shape, np.nan)
    tol = 1e-6  # about a millimetre per kilometre: points on the edges are inside
    for i in range(len(geom.t1)):
        a1, b1 = geom.t1[i]
        e = geom.t2[i] - geom.t1[i]
        det = a1 * e[1] - b1 * e[0]
        # p = a t1 + b (t2 - t1): a = s, b = s u
        a = (px * e[1] - py * e[0]) / det
        b = (a1 * py - b1 * px) / det
        inside = (a >= -tol) & (a <= 1 + tol) & (b >= -tol) & (b <= a + tol)
        s = np.clip(a, 0.0, 1.0)
        u = np.clip(np.divide(b, a, out=np.full_like(a, 0.5), where=a > 1e-12), 0.0, 1.0)
        h_line = geom.h1[i] + u * (geom.h2[i] - geom.h1[i])
        reach = np.hypot(a1 + u * e[0], b1 + u * e[1])  # D on this bearing
        h = geom.eye_h + s * (h_line - geom.eye_h) - geom.sag * s * (1.0 - s) * reach * reach
        out = np.where(inside, np.fmin(out, h), out)
    return out


def threshold_height(spec: CorridorSpec, lon: F64, lat: F64) -> F64:
    """The threshold's ellipsoidal height at each ground position; NaN outside the corridor."""
    lo, la = np.broadcast_arrays(np.asarray(lon, np.float64), np.asarray(lat, np.float64))
    geom = corridor_geometry(spec)
    flat = np.stack([lo.ravel(), la.ravel(), np.zeros(lo.size)], axis=1)
    xy = to_local(geom.frame, flat)
    out: F64 = threshold_xy(geom, xy[:, 0], xy[:, 1]).reshape(lo.shape)
    return out


def corridor_polygon(spec: CorridorSpec) -> shapely.Polygon:
    """The corridor in lon/lat: the triangle or fan viewpoint → targets."""
    return local_polygon_lonlat(corridor_geometry(spec))


def local_polygon_lonlat(geom: CorridorGeometry) -> shapely.Polygon:
    ring = geom.ring
    lonlat = to_lonlath(geom.frame, np.c_[ring, np.zeros(len(ring))])[:, :2]
    poly = shapely.Polygon(lonlat)
    if poly.is_valid:
        return poly
    tris = [shapely.Polygon([lonlat[0], lonlat[i], lonlat[i + 1]]) for i in range(1, len(ring) - 1)]
    merged = shapely.union_all(tris)
    if isinstance(merged, shapely.Polygon):
        return merged
    return cast("shapely.Polygon", shapely.convex_hull(merged))  # wedges share an edge


def _finite(v: object) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(float(v))


def _point(p: object, what: str) -> Point3:
    if isinstance(p, str | bytes) or not isinstance(p, Sequence) or len(p) != 3:
        raise InvalidInputError(f"{what} must be [lon, lat, h]")
    if not all(_finite(v) for v in p):
        raise InvalidInputError(f"{what} must be finite numbers")
    lon, lat, h = (float(v) for v in p)
    if abs(lon) > 180 or abs(lat) > 90:
        raise InvalidInputError(f"{what}: lon must be within ±180 and lat within ±90 degrees")
    return lon, lat, h
