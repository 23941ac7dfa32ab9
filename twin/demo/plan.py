"""The street plan of the demo city, in a local frame rotated from grid north.

Local coordinates ``(u, v)`` are metres east-ish and north-ish of the city
centre; the v axis points ``ROTATION_DEG`` east of north. Streets are lines of
constant u or v with a corridor width (carriageway plus setbacks). Street
positions come from per-direction random streams that walk outwards from the
centre, so a larger extent only adds streets at the edge and a smaller city is
the middle of a larger one.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Transformer
from shapely.geometry import LineString

from twin.demo.names import COMMUNITIES, FUTIAN, LUOHU
from twin.demo.shapes import Rect

CRS_EPSG = 4547  # CGCS2000 / 3-degree Gauss-Kruger CM 114E
CENTRE_LONLAT = (114.065, 22.540)  # Futian CBD, between Futian and Luohu
ROTATION_DEG = 12.0
#: east-west : north-south proportions in which the city grows (those of the Futian/Luohu box)
ASPECT = 1.8

_ARTERIAL_WIDTH = (42.0, 58.0)
_LOCAL_WIDTH = (16.0, 24.0)
_BLOCK_LENGTH = (110.0, 190.0)


@dataclass(frozen=True)
class StreetLine:
    index: int  # 0 is the main axis; positive outwards one way, negative the other
    centre: float
    width: float
    arterial: bool


@dataclass(frozen=True)
class Block:
    key: tuple[int, int]  # indices of the streets on its west and south sides
    rect: Rect
    superblock: tuple[int, int]  # counts arterials from the centre: a community unit
    rank: float  # elliptical distance of its centre from the city centre


@dataclass(frozen=True)
class River:
    """A sine-shaped centreline ``u = base + amplitude * sin(2 pi v / wavelength + phase)``."""

    base: float
    amplitude: float
    wavelength: float
    phase: float

    def u_of(self, v: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return self.base + self.amplitude * np.sin(2 * math.pi * v / self.wavelength + self.phase)

    def u_at(self, v: float) -> float:
        return self.base + self.amplitude * math.sin(2 * math.pi * v / self.wavelength + self.phase)


@dataclass(frozen=True)
class CityPlan:
    seed: int
    origin: tuple[float, float]  # projected x, y of the local origin
    u_lines: tuple[StreetLine, ...]  # streets of constant u (running north-ish), sorted
    v_lines: tuple[StreetLine, ...]  # streets of constant v (running east-ish), sorted
    river: River  # centreline of the river, local frame; the Futian/Luohu boundary
    open_space: shapely.Geometry  # river, its park and the diagonal avenue: no buildings

    def blocks(self) -> Iterator[Block]:
        """The blocks inside the ellipse inscribed in the plan's extent, nearest first."""
        half_u = min(-self.u_lines[0].centre, self.u_lines[-1].centre)
        half_v = min(-self.v_lines[0].centre, self.v_lines[-1].centre)
        limit = min(half_u / ASPECT, half_v) ** 2
        found: list[Block] = []
        for a, b in zip(self.u_lines, self.u_lines[1:], strict=False):
            for c, d in zip(self.v_lines, self.v_lines[1:], strict=False):
                r = Rect(
                    a.centre + a.width / 2,
                    c.centre + c.width / 2,
                    b.centre - b.width / 2,
                    d.centre - d.width / 2,
                )
                cu, cv = (r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2
                rank = (cu / ASPECT) ** 2 + cv**2
                if rank <= limit:
                    sb = (_superblock(self.u_lines, a), _superblock(self.v_lines, c))
                    found.append(Block((a.index, c.index), r, sb, rank))
        found.sort(key=lambda blk: (blk.rank, blk.key))
        return iter(found)

    def districts(self, u: npt.NDArray[np.float64], v: npt.NDArray[np.float64]) -> list[str]:
        """Futian west of the river, Luohu east of it."""
        east = u > self.river.u_of(v)
        return [LUOHU if e else FUTIAN for e in east]

    def district_at(self, u: float, v: float) -> str:
        return LUOHU if u > self.river.u_at(v) else FUTIAN

    def to_projected(self, xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """(n, 2) local coordinates to projected EPSG:4547 easting, northing (mm rounded)."""
        t = math.radians(ROTATION_DEG)
        cos, sin = math.cos(t), math.sin(t)
        x = self.origin[0] + xy[:, 0] * cos + xy[:, 1] * sin
        y = self.origin[1] - xy[:, 0] * sin + xy[:, 1] * cos
        return np.asarray(np.round(np.column_stack([x, y]), 3), dtype=np.float64)


def community_of(district: str, superblock: tuple[int, int]) -> str:
    names = COMMUNITIES[district]
    i, j = superblock
    return names[(3 * i + 5 * j) % len(names)]


def _superblock(lines: tuple[StreetLine, ...], lower: StreetLine) -> int:
    if lower.centre >= 0:
        return sum(1 for s in lines if s.arterial and 0 < s.centre <= lower.centre)
    return -sum(1 for s in lines if s.arterial and lower.centre < s.centre <= 0)


def _streets(seed: int, axis: int, main_width: float, extent: float) -> tuple[StreetLine, ...]:
    lines = [StreetLine(0, 0.0, main_width, True)]
    for direction in (1, -1):
        rng = np.random.default_rng([seed, 100 + axis, direction + 1])
        prev = lines[0]
        since_arterial, every = 0, int(rng.integers(3, 5))
        while abs(prev.centre) < extent:
            since_arterial += 1
            arterial = since_arterial >= every
            if arterial:
                since_arterial, every = 0, int(rng.integers(3, 5))
            width = float(rng.uniform(*(_ARTERIAL_WIDTH if arterial else _LOCAL_WIDTH)))
            step = prev.width / 2 + float(rng.uniform(*_BLOCK_LENGTH)) + width / 2
            prev = StreetLine(
                prev.index + direction, prev.centre + direction * step, width, arterial
            )
            lines.append(prev)
    return tuple(sorted(lines, key=lambda s: s.centre))


@functools.cache
def _origin() -> tuple[float, float]:
    to_proj = Transformer.from_crs(4326, CRS_EPSG, always_xy=True)
    x, y = to_proj.transform(*CENTRE_LONLAT)
    return float(x), float(y)


def make_plan(seed: int, half_u: float, half_v: float) -> CityPlan:
    """The plan of the city around the centre, covering at least ``half_u`` x ``half_v`` metres."""
    ox, oy = _origin()
    u_lines = _streets(seed, 0, 50.0, half_u)
    v_lines = _streets(seed, 1, 80.0, half_v)  # a wide boulevard along v = 0
    rng = np.random.default_rng([seed, 200])
    # the river meanders north-south east of the centre: the Futian/Luohu boundary here
    river = River(
        base=850.0 + float(rng.uniform(-80, 80)),
        amplitude=float(rng.uniform(60, 120)),
        wavelength=float(rng.uniform(1500, 2500)),
        phase=float(rng.uniform(0, 2 * math.pi)),
    )
    reach = 20.0 * math.ceil((half_v + 400.0) / 20.0)  # on a fixed 20 m lattice: extent-stable
    v = np.arange(-reach, reach + 1.0, 20.0)
    centreline = LineString(np.column_stack([river.u_of(v), v]))
    park = centreline.buffer(float(rng.uniform(65, 85)), quad_segs=4)
    # one diagonal avenue crossing the grid at 35-45 degrees
    angle = math.radians(float(rng.uniform(35, 45)))
    length = 2 * (half_u + half_v) + 800.0
    du, dv = math.cos(angle) * length, math.sin(angle) * length
    pu, pv = float(rng.uniform(-700, -300)), float(rng.uniform(-300, 300))
    avenue = LineString([(pu - du, pv - dv), (pu + du, pv + dv)]).buffer(
        float(rng.uniform(22, 28)), cap_style="flat"
    )
    open_space = shapely.union(park, avenue)
    shapely.prepare(open_space)
    return CityPlan(seed, (ox, oy), u_lines, v_lines, river, open_space)
