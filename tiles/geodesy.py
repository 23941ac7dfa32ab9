"""Geodesy for tiling: geodetic <-> ECEF on the WGS84 ellipsoid and local east-north-up frames.

CGCS2000 and WGS84 ellipsoids differ by 0.1 mm in the semi-minor axis, far
below what a city model can see, so one ellipsoid serves both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

A = 6378137.0
F = 1.0 / 298.257223563
E2 = F * (2.0 - F)

Array = npt.NDArray[np.float64]


def geodetic_to_ecef(lon_deg: Array, lat_deg: Array, h: Array | float) -> Array:
    lon = np.radians(lon_deg)
    lat = np.radians(lat_deg)
    sin_lat = np.sin(lat)
    cos_lat = np.cos(lat)
    n = A / np.sqrt(1.0 - E2 * sin_lat * sin_lat)
    x = (n + h) * cos_lat * np.cos(lon)
    y = (n + h) * cos_lat * np.sin(lon)
    z = (n * (1.0 - E2) + h) * sin_lat
    return np.stack([x, y, z], axis=-1)


def ellipsoid_normal(lon_deg: Array, lat_deg: Array) -> Array:
    lon = np.radians(lon_deg)
    lat = np.radians(lat_deg)
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)


@dataclass(frozen=True)
class EnuFrame:
    """A local east-north-up frame at a geodetic origin (degrees, metres)."""

    lon: float
    lat: float
    height: float = 0.0

    @property
    def origin_ecef(self) -> Array:
        return geodetic_to_ecef(np.array(self.lon), np.array(self.lat), self.height)

    @property
    def rotation(self) -> Array:
        """Rows are the east, north and up unit vectors in ECEF."""
        lon = np.radians(self.lon)
        lat = np.radians(self.lat)
        east = np.array([-np.sin(lon), np.cos(lon), 0.0])
        north = np.array([-np.sin(lat) * np.cos(lon), -np.sin(lat) * np.sin(lon), np.cos(lat)])
        up = np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
        return np.stack([east, north, up])

    def to_ecef_matrix(self) -> list[float]:
        """The 4x4 local-to-ECEF transform, column-major, as 3D Tiles ``transform`` wants."""
        m = np.eye(4)
        m[:3, :3] = self.rotation.T
        m[:3, 3] = self.origin_ecef
        return [float(v) for v in m.T.reshape(-1)]

    def from_ecef(self, ecef: Array) -> Array:
        return (ecef - self.origin_ecef) @ self.rotation.T

    def vectors_from_ecef(self, vectors: Array) -> Array:
        return vectors @ self.rotation.T


def ecef_to_geodetic(ecef: Array) -> tuple[Array, Array, Array]:
    """ECEF (n, 3) metres -> (lon_deg, lat_deg, h) on the WGS84 ellipsoid, vectorised.

    Heikkinen's closed form (no iteration): sub-millimetre from the Earth's centre region
    out to orbit heights, exact to floating point near the surface.
    """
    xyz = np.asarray(ecef, dtype=np.float64).reshape(-1, 3)
    x, y, z = xyz[:, 0], xyz[:, 1], xyz[:, 2]
    b = A * (1.0 - F)
    ep2 = (A * A - b * b) / (b * b)
    p = np.hypot(x, y)
    ff = 54.0 * b * b * z * z
    g = p * p + (1.0 - E2) * z * z - E2 * (A * A - b * b)
    c = E2 * E2 * ff * p * p / (g * g * g)
    s = np.cbrt(1.0 + c + np.sqrt(c * c + 2.0 * c))
    k = s + 1.0 + 1.0 / s
    pp = ff / (3.0 * k * k * g * g)
    q = np.sqrt(1.0 + 2.0 * E2 * E2 * pp)
    r0 = -(pp * E2 * p) / (1.0 + q) + np.sqrt(
        np.maximum(
            0.5 * A * A * (1.0 + 1.0 / q)
            - pp * (1.0 - E2) * z * z / (q * (1.0 + q))
            - 0.5 * pp * p * p,
            0.0,
        )
    )
    t = p - E2 * r0
    u = np.sqrt(t * t + z * z)
    v = np.sqrt(t * t + (1.0 - E2) * z * z)
    z0 = b * b * z / (A * v)
    h = u * (1.0 - b * b / (A * v))
    lat = np.degrees(np.arctan2(z + ep2 * z0, p))
    lon = np.degrees(np.arctan2(y, x))
    return lon, lat, h
