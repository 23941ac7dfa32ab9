"""Points between geodetic coordinates (lon, lat, ellipsoidal h) and a scene's local frame.

Scenes are east-north-up frames at their layers' centre: 10 km away the ellipsoid lies
7.8 m below the frame's z = 0 and "up" leans 0.09° from the frame's z axis, so analyses
convert through ECEF instead of treating frame z as a height.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from tiles.geodesy import EnuFrame, ecef_to_geodetic, ellipsoid_normal, geodetic_to_ecef
from twin.errors import InvalidInputError

F64 = npt.NDArray[np.float64]


def lonlath_array(points: Sequence[Sequence[float]] | F64, what: str = "points") -> F64:
    """``points`` as an (n, 3) array of finite lon, lat, h (a clear error otherwise)."""
    try:
        arr = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{what} must be [lon, lat, h] triples of numbers") from None
    if arr.ndim == 1 and arr.shape == (3,):
        arr = arr[None]
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise InvalidInputError(f"{what} must be [lon, lat, h] triples")
    if not np.isfinite(arr).all():
        raise InvalidInputError(f"{what} must be finite numbers")
    if (np.abs(arr[:, 0]) > 180).any() or (np.abs(arr[:, 1]) > 90).any():
        raise InvalidInputError(f"{what}: lon must be within ±180 and lat within ±90 degrees")
    return arr


def to_local(frame: EnuFrame, lonlath: F64) -> F64:
    p = np.asarray(lonlath, dtype=np.float64).reshape(-1, 3)
    out: F64 = frame.from_ecef(geodetic_to_ecef(p[:, 0], p[:, 1], p[:, 2]))
    return out


def to_lonlath(frame: EnuFrame, local: F64) -> F64:
    xyz = np.asarray(local, dtype=np.float64).reshape(-1, 3)
    ecef = xyz @ frame.rotation + frame.origin_ecef
    lon, lat, h = ecef_to_geodetic(ecef)
    return np.stack([lon, lat, h], axis=1)


def local_up(frame: EnuFrame, lonlath: F64) -> F64:
    """The ellipsoid normal ("up") at each point, as a vector in the frame."""
    p = np.asarray(lonlath, dtype=np.float64).reshape(-1, 3)
    out: F64 = frame.vectors_from_ecef(ellipsoid_normal(p[:, 0], p[:, 1]))
    return out


def enu_to_local(frame: EnuFrame, lonlath: F64, enu: F64) -> F64:
    """Vectors given in each point's own east-north-up axes, turned into the frame."""
    p = np.asarray(lonlath, dtype=np.float64).reshape(-1, 3)
    v = np.asarray(enu, dtype=np.float64)
    out = np.empty((len(p), *v.shape[-2:]) if v.ndim == 3 else (len(p), 3))
    lon = np.radians(p[:, 0])
    lat = np.radians(p[:, 1])
    east = np.stack([-np.sin(lon), np.cos(lon), np.zeros_like(lon)], 1)
    north = np.stack([-np.sin(lat) * np.cos(lon), -np.sin(lat) * np.sin(lon), np.cos(lat)], 1)
    up = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], 1)
    rot = np.stack([east, north, up], axis=1)  # (n, 3 axes, 3 ecef)
    if v.ndim == 3:  # (n, k, 3): k vectors per point
        ecef = np.einsum("nka,nab->nkb", v, rot)
        out = ecef @ frame.rotation.T
    else:
        vv = np.broadcast_to(v, (len(p), 3))
        out = np.einsum("na,nab->nb", vv, rot) @ frame.rotation.T
    result: F64 = out
    return result


def ground_distance_m(a: Sequence[float], b: Sequence[float]) -> float:
    """Great-circle distance between two lon/lat points on the mean Earth sphere."""
    lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371008.8 * math.asin(min(1.0, math.sqrt(h)))
