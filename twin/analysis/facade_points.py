"""Sample points on a feature's walls: a regular grid on each facade, just outside it.

The feature's vertical-ish triangles (``|normal · up| < 0.3``) are grouped into walls
(coplanar triangles: the same outward normal within ~1° and plane offset within 0.1 m).
Each wall gets a grid: along it every ``spacing_m`` (centred on the wall), up it at
``first_height_m`` above the wall's foot and then every ``height_step_m`` below its top;
grid points outside the wall's triangles are dropped (gables, L-shaped walls). Points are
moved ``offset_m`` out of the wall so rays leaving them do not hit it.

Outward is decided per wall, not from the triangle winding (IFC and tiles windings are not
always consistent): a ray from the wall along its normal crosses the feature's surface an
even number of times when the normal points out of a closed solid, an odd number when it
points in. When the parity is not conclusive (open meshes), the normal pointing away from
the feature's centre wins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from twin.analysis.frame_points import local_up, to_lonlath
from twin.analysis.ray_scene import RayScene
from twin.errors import InvalidInputError

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

VERTICAL_COS = 0.3
_ANGLE_TOL_DEG = 1.0
_OFFSET_TOL_M = 0.1
_MAX_CROSSINGS = 32


@dataclass(frozen=True, eq=False)
class FacadeSamples:
    """Points (n, 3 lon/lat/h) just outside the walls of ``feature_id``, their outward
    normals in local east-north-up (n, 3), their height above the wall's foot and the
    index of the wall (a group of coplanar triangles) each lies on."""

    points: F64
    normals_enu: F64
    feature_id: str
    height_m: F64
    wall: I64

    def __len__(self) -> int:
        return len(self.points)


def facade_samples(
    scene: RayScene,
    feature: int,
    *,
    spacing_m: float = 3.0,
    height_step_m: float = 3.0,
    first_height_m: float = 1.5,
    offset_m: float = 0.05,
    max_points: int = 20000,
) -> FacadeSamples:
    """Grid points on the walls of ``scene.features[feature]`` (see the module docstring)."""
    if not (isinstance(feature, int) and 0 <= feature < len(scene.features)):
        raise InvalidInputError(f"feature must index the scene's {len(scene.features)} features")
    for name, value in (("spacing_m", spacing_m), ("height_step_m", height_step_m)):
        if not (math.isfinite(value) and value >= 0.1):
            raise InvalidInputError(f"{name} must be at least 0.1 m")
    if not (math.isfinite(first_height_m) and first_height_m >= 0.0):
        raise InvalidInputError("first_height_m must be 0 or more metres")
    if not (math.isfinite(offset_m) and 0.0 <= offset_m <= 5.0):
        raise InvalidInputError("offset_m must be between 0 and 5 m")
    ref = scene.features[feature]
    tris = scene.vertices[scene.triangles[scene.triangle_feature == feature]]  # (m, 3, 3)
    empty = FacadeSamples(
        np.zeros((0, 3)), np.zeros((0, 3)), ref.feature_id, np.zeros(0), np.zeros(0, np.int64)
    )
    if not len(tris):
        return empty
    centre = 0.5 * (tris.reshape(-1, 3).min(axis=0) + tris.reshape(-1, 3).max(axis=0))
    up = local_up(scene.frame, to_lonlath(scene.frame, centre[None]))[0]
    cross = np.cross(tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0])
    area2 = np.linalg.norm(cross, axis=1)
    ok = area2 > 1e-6
    normal = cross[ok] / area2[ok, None]
    tris = tris[ok]
    wall = np.abs(normal @ up) < VERTICAL_COS
    tris, normal = tris[wall], normal[wall]
    if not len(tris):
        return empty
    # group coplanar triangles whichever way each is wound; the wall's normals are
    # aligned to its first triangle's, and outward is settled per wall afterwards
    groups = _group_planes(tris, normal)
    points, normals, heights, walls = [], [], [], []
    sign = _outward_signs(scene, feature, tris, normal, groups, centre)
    for g in range(int(groups.max()) + 1):
        members = groups == g
        n_out = _mean_unit(normal[members]) * sign[g]
        pts, hts = _wall_grid(tris[members], n_out, up, spacing_m, height_step_m, first_height_m)
        if not len(pts):
            continue
        points.append(pts + n_out * offset_m)
        normals.append(np.broadcast_to(n_out, pts.shape))
        heights.append(hts)
        walls.append(np.full(len(pts), g, np.int64))
        if sum(len(p) for p in points) > max_points:
            raise InvalidInputError(
                f"more than {max_points} facade points: use a larger spacing or height step"
            )
    if not points:
        return empty
    local = np.concatenate(points)
    lonlath = to_lonlath(scene.frame, local)
    return FacadeSamples(
        points=lonlath,
        normals_enu=local_to_enu(scene, lonlath, np.concatenate(normals)),
        feature_id=ref.feature_id,
        height_m=np.concatenate(heights),
        wall=np.concatenate(walls),
    )


def local_to_enu(scene: RayScene, lonlath: F64, vectors: F64) -> F64:
    """Frame vectors (n, 3) in each point's own east-north-up axes (unit length kept)."""
    p = np.asarray(lonlath, dtype=np.float64).reshape(-1, 3)
    ecef = np.asarray(vectors, dtype=np.float64).reshape(-1, 3) @ scene.frame.rotation
    lon, lat = np.radians(p[:, 0]), np.radians(p[:, 1])
    east = np.stack([-np.sin(lon), np.cos(lon), np.zeros_like(lon)], 1)
    north = np.stack([-np.sin(lat) * np.cos(lon), -np.sin(lat) * np.sin(lon), np.cos(lat)], 1)
    up = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], 1)
    out: F64 = np.stack([(ecef * east).sum(1), (ecef * north).sum(1), (ecef * up).sum(1)], axis=1)
    return out


def _group_planes(tris: F64, normal: F64) -> I64:
    """A wall index per triangle: normals within ~1° (either way round) and plane offsets
    within 0.1 m. Flips ``normal`` in place to agree with the wall's first triangle."""
    cos_tol = math.cos(math.radians(_ANGLE_TOL_DEG))
    offset = (tris.mean(axis=1) * normal).sum(axis=1)
    group = np.full(len(tris), -1, np.int64)
    next_group = 0
    for i in range(len(tris)):
        if group[i] >= 0:
            continue
        dot = normal @ normal[i]
        side = np.where(dot < 0.0, -1.0, 1.0)
        same = (group < 0) & (np.abs(dot) >= cos_tol)
        same &= np.abs(offset * side - offset[i]) <= _OFFSET_TOL_M
        normal[same] *= side[same, None]
        group[same] = next_group
        next_group += 1
    return group


def _mean_unit(v: F64) -> F64:
    m = v.mean(axis=0)
    out: F64 = m / np.linalg.norm(m)
    return out


def _outward_signs(
    scene: RayScene, feature: int, tris: F64, normal: F64, groups: I64, centre: F64
) -> F64:
    """+1 where a wall's normal points out of the feature, -1 where it points in."""
    count = int(groups.max()) + 1
    area = np.linalg.norm(np.cross(tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0]), axis=1)
    origin = np.zeros((count, 3))
    direction = np.zeros((count, 3))
    best = np.full(count, -1.0)
    for i, g in enumerate(groups.tolist()):
        if area[i] > best[g]:
            best[g] = area[i]
            origin[g] = tris[i].mean(axis=0)
            direction[g] = normal[i]
    mask = scene.triangle_feature == feature
    own = RayScene(
        scene.frame,
        scene.vertices,
        scene.triangles[mask],
        scene.triangle_feature[mask],
        scene.features,
        threads=1,
    )
    ahead = _crossings(own, origin, direction)
    behind = _crossings(own, origin, -direction)
    sign = np.where(
        (ahead % 2 == 0) & (behind % 2 == 1),
        1.0,
        np.where((ahead % 2 == 1) & (behind % 2 == 0), -1.0, 0.0),
    )
    away = np.sign(((origin - centre) * direction).sum(axis=1))
    out: F64 = np.where(sign != 0.0, sign, np.where(away < 0.0, -1.0, 1.0))
    return out


def _crossings(scene: RayScene, origin: F64, direction: F64) -> I64:
    """How many times each ray from ``origin`` crosses ``scene`` (its start surface not)."""
    count = np.zeros(len(origin), np.int64)
    pos = origin.copy()
    active = np.ones(len(origin), dtype=bool)
    for _ in range(_MAX_CROSSINGS):
        if not active.any():
            break
        idx = np.nonzero(active)[0]
        hits = scene.first_hits(pos[idx], direction[idx], 1e5)
        hit = hits.hit
        count[idx[hit]] += 1
        pos[idx[hit]] += direction[idx[hit]] * hits.distance[hit][:, None]
        active[idx[~hit]] = False
    return count


def _wall_grid(
    tris: F64, n_out: F64, up: F64, spacing: float, step: float, first: float
) -> tuple[F64, F64]:
    """Grid points on the triangles of one wall, and their heights above its foot."""
    along = np.cross(up, n_out)
    along /= np.linalg.norm(along)
    slope = np.cross(n_out, along)  # in the wall, upward (vertical for a vertical wall)
    rise = float(slope @ up)
    base = tris[0, 0]
    rel = tris - base
    u = rel @ along
    h = rel @ up
    u0, u1, foot, top = float(u.min()), float(u.max()), float(h.min()), float(h.max())
    width = u1 - u0
    count_u = max(1, math.floor(width / spacing + 1e-9))
    us = 0.5 * (u0 + u1) + (np.arange(count_u) - (count_u - 1) / 2.0) * spacing
    hs = np.arange(foot + first, top - 1e-6, step)
    if not len(hs):
        return np.zeros((0, 3)), np.zeros(0)
    gu, gh = (a.reshape(-1) for a in np.meshgrid(us, hs))
    inside = np.zeros(len(gu), dtype=bool)
    for tu, th in zip(u, h, strict=True):  # point-in-triangle in (along, height)
        inside |= _in_triangle(gu, gh, tu, th)
    gu, gh = gu[inside], gh[inside]
    # a point at height gh lies gh / rise along the (possibly leaning) wall's slope
    pts = base + np.outer(gu, along) + np.outer(gh / rise, slope)
    return pts, gh - foot


def _in_triangle(px: F64, py: F64, tx: F64, ty: F64) -> npt.NDArray[np.bool_]:
    d = (ty[1] - ty[2]) * (tx[0] - tx[2]) + (tx[2] - tx[1]) * (ty[0] - ty[2])
    if abs(d) < 1e-12:
        return np.zeros(len(px), dtype=bool)
    a = ((ty[1] - ty[2]) * (px - tx[2]) + (tx[2] - tx[1]) * (py - ty[2])) / d
    b = ((ty[2] - ty[0]) * (px - tx[2]) + (tx[0] - tx[2]) * (py - ty[2])) / d
    c = 1.0 - a - b
    tol = 1e-6
    out: npt.NDArray[np.bool_] = (a >= -tol) & (b >= -tol) & (c >= -tol)
    return out
