"""Sky view factor (天空可视因子): the share of a surface's view that is open sky.

The urban-climate convention is the *projected* (cosine-weighted) factor: the fraction of
the radiation a small surface exchanges with the sky hemisphere,
``SVF = 1/π ∫ V(ω) cos θ dω``. It is sampled by Malley's method: points spread evenly on
the unit disc (a Fibonacci / Vogel spiral, deterministic and stratified) are lifted onto
the hemisphere around the surface normal, which makes their directions cosine-distributed,
so SVF is simply the share of those rays that escape. A ray escapes when nothing in the
scene lies on it within ``max_distance_m`` and it points above the point's horizon (below
it there is ground, even where the scene has no terrain): an unobstructed horizontal
surface sees 1, an unobstructed vertical wall 0.5.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from twin.analysis.frame_points import enu_to_local, lonlath_array, to_local
from twin.analysis.ray_scene import RayScene
from twin.errors import InvalidInputError

F64 = npt.NDArray[np.float64]

DEFAULT_RAYS = 2048
MAX_RAYS = 1 << 16
DEFAULT_MAX_DISTANCE_M = 2000.0
#: rays per batch of points (directions are built per point, so memory grows with this)
BATCH_RAYS = 1 << 20
_GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))


def disc_directions(rays: int) -> F64:
    """(rays, 3) cosine-distributed unit vectors about +z (Malley: Vogel spiral lifted)."""
    i = np.arange(rays, dtype=np.float64)
    r = np.sqrt((i + 0.5) / rays)
    phi = i * _GOLDEN_ANGLE
    x, y = r * np.cos(phi), r * np.sin(phi)
    z = np.sqrt(np.maximum(1.0 - r * r, 0.0))
    out: F64 = np.stack([x, y, z], axis=1)
    return out


def sky_view_factor(
    scene: RayScene,
    points: F64,
    normals_enu: F64 | None = None,
    *,
    rays: int = DEFAULT_RAYS,
    max_distance_m: float = DEFAULT_MAX_DISTANCE_M,
) -> F64:
    """The projected sky view factor (0-1) at each point (lon/lat/h), facing its normal in
    local east-north-up (None: facing up, a horizontal surface)."""
    pts = lonlath_array(points)
    if isinstance(rays, bool) or not isinstance(rays, int) or not 16 <= rays <= MAX_RAYS:
        raise InvalidInputError(f"rays must be an integer between 16 and {MAX_RAYS}")
    if not (math.isfinite(max_distance_m) and max_distance_m > 0.0):
        raise InvalidInputError("max_distance_m must be a positive number of metres")
    n = len(pts)
    out = np.zeros(n)
    if n == 0:
        return out
    normals = (
        np.tile(np.array([0.0, 0.0, 1.0]), (n, 1))
        if normals_enu is None
        else unit_normals(normals_enu, n)
    )
    disc = disc_directions(rays)
    origins = to_local(scene.frame, pts)
    per_batch = max(1, BATCH_RAYS // rays)
    for start in range(0, n, per_batch):
        sl = slice(start, min(start + per_batch, n))
        enu = _hemisphere(normals[sl], disc)  # (b, rays, 3) in each point's ENU
        above = enu[:, :, 2] > 0.0
        local = enu_to_local(scene.frame, pts[sl], enu)
        b = len(local)
        o = np.repeat(origins[sl], rays, axis=0)
        flat_above = above.reshape(-1)
        blocked = np.ones(b * rays, dtype=bool)
        blocked[flat_above] = scene.occluded(
            o[flat_above], local.reshape(-1, 3)[flat_above], max_distance_m
        )
        out[sl] = 1.0 - blocked.reshape(b, rays).mean(axis=1)
    return out


def _hemisphere(normals: F64, disc: F64) -> F64:
    """``disc`` directions about each normal: (b, rays, 3)."""
    helper = np.where(
        (np.abs(normals[:, 2]) < 0.9)[:, None], np.array([0.0, 0.0, 1.0]), np.array([1.0, 0, 0])
    )
    t1 = np.cross(helper, normals)
    t1 /= np.linalg.norm(t1, axis=1)[:, None]
    t2 = np.cross(normals, t1)
    out: F64 = (
        disc[None, :, 0:1] * t1[:, None]
        + disc[None, :, 1:2] * t2[:, None]
        + disc[None, :, 2:3] * normals[:, None]
    )
    return out


def unit_normals(normals_enu: F64, n: int) -> F64:
    """``normals_enu`` checked as n finite non-zero (east, north, up) vectors, unit length
    (one vector is repeated for every point)."""
    try:
        arr = np.asarray(normals_enu, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError("normals must be [east, north, up] triples of numbers") from None
    if arr.shape == (3,):
        arr = np.broadcast_to(arr, (n, 3))
    if arr.shape != (n, 3) or not np.isfinite(arr).all():
        raise InvalidInputError("normals must be one finite [east, north, up] per point")
    length = np.linalg.norm(arr, axis=1)
    if (length < 1e-9).any():
        raise InvalidInputError("normals must not be zero vectors")
    out: F64 = arr / length[:, None]
    return out
