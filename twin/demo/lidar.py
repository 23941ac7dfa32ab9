"""A synthetic mobile-mapping LiDAR scan along the demo city's main streets (LAS 1.4).

The scan follows the main axes of the plan and the arterials nearest the centre:
asphalt with lane, edge and centre lines and zebra crossings (bright, high
intensity), kerbs and sidewalks, the facades of the buildings facing the street
up to their height (with storey and window bands), street trees and lamp poles.
Points are spread uniformly over every surface at ``points_per_m2``; when the
streets would need more than ``max_points``, the scan covers a smaller square
around the centre instead of thinning out. Ground heights come from a height
function (the demo terrain) or are zero. The same arguments give the same file.
"""

from __future__ import annotations

import datetime
import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd
import laspy
import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS

from twin.demo import names as n
from twin.demo.plan import CRS_EPSG, CityPlan, StreetLine, make_plan
from twin.demo.terrain import Array, HeightFn, to_local
from twin.demo_city import generate_demo_city
from twin.errors import InvalidInputError

__all__ = ["CLASSES", "ScanInfo", "write_street_scan"]

ROAD, GROUND, BUILDING, VEGETATION, POLE = 11, 2, 6, 5, 64
#: ASPRS classes written: road surface, ground (kerbs, sidewalks), building, high vegetation,
#: lamp poles (64, the first user-definable class)
CLASSES: Final = (GROUND, VEGETATION, BUILDING, ROAD, POLE)
_ASPHALT, _MARK, _KERB, _WALK, _FACADE, _TRUNK, _CROWN, _METAL = range(8)
_CLASS_OF = np.array([ROAD, ROAD, GROUND, GROUND, BUILDING, VEGETATION, VEGETATION, POLE])
_SCAN_DATE = datetime.date(2026, 11, 21)
_FACADE_REACH = 30.0  # facades up to this far behind the street corridor are scanned
_WALL = {
    n.RESIDENTIAL: (225, 215, 195),
    n.COMMERCIAL: (200, 200, 208),
    n.OFFICE: (150, 172, 192),
    n.EDUCATION: (214, 150, 118),
    n.MEDICAL: (236, 236, 232),
    n.INDUSTRIAL: (172, 176, 170),
    n.VILLAGE: (205, 170, 140),
    n.PUBLIC: (212, 202, 182),
}
_USES = tuple(_WALL)


@dataclass(frozen=True)
class ScanInfo:
    path: Path
    point_count: int
    bounds: tuple[float, float, float, float, float, float]  # xmin, ymin, zmin, xmax, ymax, zmax
    classes: tuple[int, ...]  # ASPRS classes present, ascending
    crs: str
    corridors: shapely.Geometry  # the scanned street corridors (EPSG:4547)


@dataclass(frozen=True)
class _Street:
    axis: int  # 0: constant u (runs along v); 1: constant v (runs along u)
    line: StreetLine
    start: float  # along-street extent scanned
    end: float

    @property
    def half(self) -> float:  # half width of the carriageway
        return self.line.width / 2 - self.walk

    @property
    def walk(self) -> float:
        return min(7.0, max(3.0, 0.15 * self.line.width))

    def at(self, along: Array, across: Array) -> Array:
        """Local (u, v) of points given along and across the street."""
        if self.axis == 0:
            return np.column_stack([self.line.centre + across, along])
        return np.column_stack([along, self.line.centre + across])

    def dirs(self) -> tuple[Array, Array]:
        along = np.array([0.0, 1.0]) if self.axis == 0 else np.array([1.0, 0.0])
        return along, along[::-1].copy()


class _Prims:
    """Surfaces to scan (local metres, z above the ground): quads, cylinders and spheres."""

    def __init__(self) -> None:
        # quad: origin u, v, a, b (u, v), height, z0, kind, street, tags x3
        self.quads: list[tuple[float, ...]] = []
        self.cyls: list[tuple[float, ...]] = []  # u0, v0, z0, u1, v1, z1, r, kind, street
        self.spheres: list[tuple[float, ...]] = []  # u, v, z, rxy, rz, kind, street

    def quad(
        self, o: Array, a: Array, b: Array, height: float, z0: float, kind: int, st: int,
        tags: tuple[float, float, float] = (0.0, 0.0, 0.0),
    ) -> None:  # fmt: skip
        self.quads.append((*o, *a, *b, height, z0, kind, st, *tags))


def _select_streets(plan: CityPlan, uv: Array) -> list[_Street]:
    found: list[_Street] = []
    for axis, lines in ((0, plan.u_lines), (1, plan.v_lines)):
        pos = [s for s in lines if s.arterial and s.centre > 0]
        neg = [s for s in lines if s.arterial and s.centre < 0]
        chosen = [s for s in lines if s.index == 0] + pos[:1] + neg[-1:]
        for line in chosen:
            near = np.abs(uv[:, axis] - line.centre) < line.width / 2 + 60.0
            if near.any():
                along = uv[near, 1 - axis]
                found.append(_Street(axis, line, float(along.min()) - 20, float(along.max()) + 20))
    return found


def _minus(start: float, end: float, holes: list[tuple[float, float]]) -> list[tuple[float, float]]:
    free, cur = [], start
    for lo, hi in sorted(holes):
        if hi <= cur or lo >= end:
            continue
        if lo > cur:
            free.append((cur, lo))
        cur = max(cur, hi)
    if cur < end:
        free.append((cur, end))
    return free


def _chunks(lo: float, hi: float, size: float = 10.0) -> list[tuple[float, float]]:
    k = max(1, math.ceil((hi - lo) / size))
    edges = np.linspace(lo, hi, k + 1)
    return [(float(a), float(b)) for a, b in itertools.pairwise(edges)]


def _street_prims(
    p: _Prims, k: int, st: _Street, plan: CityPlan, scanned: list[_Street], rng: np.random.Generator
) -> None:
    other = plan.v_lines if st.axis == 0 else plan.u_lines
    joints = [(s.centre - s.width / 2 + _walk(s), s.centre + s.width / 2 - _walk(s)) for s in other]
    free = _minus(st.start, st.end, joints)
    crossed = {c.line for c in scanned if c.axis == 0} if st.axis == 1 else set()
    skip = [j for j, s in zip(joints, other, strict=True) if s in crossed]
    along, across = st.dirs()
    hw, walk = st.half, st.walk
    for lo, hi in _minus(st.start, st.end, free + skip):  # junctions: plain asphalt
        for a0, a1 in _chunks(lo, hi):
            o = st.at(np.array([a0]), np.array([-hw]))[0]
            p.quad(o, along * (a1 - a0), across * 2 * hw, 0.0, 0.0, _ASPHALT, k, (a0, math.nan, 0))
    for lo, hi in free:
        for a0, a1 in _chunks(lo, hi):
            o = st.at(np.array([a0]), np.array([-hw]))[0]
            p.quad(o, along * (a1 - a0), across * 2 * hw, 0.0, 0.0, _ASPHALT, k, (a0, lo, hi))
            for side in (-1.0, 1.0):
                kerb = st.at(np.array([a0]), np.array([side * hw]))[0]
                p.quad(kerb, along * (a1 - a0), np.zeros(2), 0.15, 0.0, _KERB, k)
                w0 = st.at(np.array([a0]), np.array([side * (hw + walk / 2) - walk / 2]))[0]
                p.quad(w0, along * (a1 - a0), across * walk, 0.0, 0.15, _WALK, k)
        for side in (-1.0, 1.0):
            lamps = np.arange(lo + 6.0, hi - 6.0, 32.0) + (16.0 if side > 0 else 0.0)
            lamps = lamps[lamps < hi - 6.0]
            for s in lamps:
                base = st.at(np.array([s]), np.array([side * (hw + 0.6)]))[0]
                top = st.at(np.array([s]), np.array([side * (hw - 1.2)]))[0]
                p.cyls.append((*base, 0.15, *base, 9.0, 0.09, _METAL, k))
                p.cyls.append((*base, 9.0, *top, 9.3, 0.05, _METAL, k))
                p.spheres.append((*top, 9.1, 0.35, 0.18, _METAL, k))
            trees = np.arange(lo + 4.0, hi - 4.0, 8.0)
            trees = trees + rng.uniform(-0.8, 0.8, len(trees))
            if len(lamps):
                gap = np.abs(trees[:, None] - lamps[None, :]).min(axis=1)
                trees = trees[gap > 3.0]
            for s in trees:
                base = st.at(np.array([s]), np.array([side * (hw + 0.35 * walk)]))[0]
                trunk, r = float(rng.uniform(2.2, 3.2)), float(rng.uniform(2.0, 3.5))
                p.cyls.append((*base, 0.15, *base, trunk + r * 0.5, 0.15, _TRUNK, k))
                p.spheres.append((*base, trunk + 0.8 * r, r, 0.8 * r, _CROWN, k))


def _walk(s: StreetLine) -> float:
    return min(7.0, max(3.0, 0.15 * s.width))


@dataclass(frozen=True)
class _Buildings:
    local: npt.NDArray[np.object_]  # footprints in the local frame
    base: Array  # facade bottom: 0, or the height of the podium a tower stands on
    top: Array
    use: npt.NDArray[np.int64]  # index into _USES


def _buildings(city: gpd.GeoDataFrame, origin: tuple[float, float]) -> _Buildings:
    top = np.asarray(city["height"], dtype=np.float64)
    row = {b: i for i, b in enumerate(city["id"])}
    base = np.array([top[row[p]] if isinstance(p, str) else 0.0 for p in city["parent_id"]])
    local = shapely.transform(
        np.asarray(city.geometry.values, dtype=object),
        lambda xy: np.column_stack(to_local(xy[:, 0], xy[:, 1], origin)),
    )
    use = np.array([_USES.index(u) for u in city["use"]], dtype=np.int64)
    return _Buildings(local, base, top, use)


def _facades(p: _Prims, k: int, st: _Street, bld: _Buildings) -> None:
    along, across = st.dirs()
    centre = shapely.LineString(st.at(np.array([st.start, st.end]), np.zeros(2)))
    reach = st.line.width / 2 + _FACADE_REACH
    for i in np.flatnonzero(shapely.dwithin(bld.local, centre, reach)):
        rise = float(bld.top[i] - bld.base[i])
        if rise <= 0.5:
            continue
        tags = (n.STOREY_HEIGHT[_USES[bld.use[i]]], float(bld.use[i]), 0.0)
        for ring in shapely.get_exterior_ring(shapely.get_parts(bld.local[i])):
            xy = shapely.get_coordinates(ring)
            d = xy[1:] - xy[:-1]
            length = np.hypot(d[:, 0], d[:, 1])
            mid = (xy[1:] + xy[:-1]) / 2
            off = mid @ across - st.line.centre
            normal = np.column_stack([d[:, 1], -d[:, 0]]) / np.maximum(length, 1e-9)[:, None]
            ok = (length >= 2.0) & (np.abs(d @ along) >= 0.95 * length)
            ok &= (np.abs(off) >= st.line.width / 2 - 1.0) & (np.abs(off) <= reach)
            ok &= (normal @ across) * np.sign(off) < -0.9
            ok &= (mid @ along >= st.start) & (mid @ along <= st.end)
            for j in np.flatnonzero(ok):
                p.quad(xy[j], d[j], np.zeros(2), rise, float(bld.base[i]), _FACADE, k, tags)


@dataclass(frozen=True)
class _Cloud:
    uv: Array  # local metres
    zrel: Array  # above the ground
    anchor: Array  # where the ground is read: the point itself (flat) or its object's foot
    kind: npt.NDArray[np.int64]
    street: npt.NDArray[np.int64]
    rgb: Array  # 0-255
    intensity: Array  # 0-65535


def _table(rows: list[tuple[float, ...]], width: int) -> Array:
    return np.array(rows, dtype=np.float64).reshape(-1, width)


def _quads(q: Array, counts: npt.NDArray[np.int64], rng: np.random.Generator) -> _Cloud:
    idx = np.repeat(np.arange(len(q)), counts)
    s, t = rng.random(len(idx)), rng.random(len(idx))
    o, a, b = q[idx, 0:2], q[idx, 2:4], q[idx, 4:6]
    height, kind = q[idx, 6], q[idx, 8].astype(np.int64)
    uv = o + s[:, None] * a + t[:, None] * b
    zrel = q[idx, 7] + t * height
    anchor = np.where((height > 0)[:, None], o + a / 2, uv)
    rgb = np.zeros((len(idx), 3))
    inten = np.zeros(len(idx))
    length, width = np.hypot(a[:, 0], a[:, 1]), np.hypot(b[:, 0], b[:, 1])
    tag = q[idx, 10:13]
    for k, colour, level in (
        (_ASPHALT, (72, 72, 76), 11000),
        (_KERB, (186, 186, 180), 24000),
        (_WALK, (168, 128, 118), 20000),
    ):
        rgb[kind == k] = colour
        inten[kind == k] = level
    # markings on the asphalt between junctions
    along = tag[:, 0] + s * length
    c = -width / 2 + t * width
    hw, ac = width / 2, np.abs(c)
    free = (kind == _ASPHALT) & np.isfinite(tag[:, 1])
    lane = np.minimum(ac % 3.75, 3.75 - ac % 3.75) < 0.075
    dashed = free & lane & (along % 15.0 < 6.0) & (ac > 1.0) & (ac < hw - 1.0)
    edge = free & (ac > hw - 0.45) & (ac < hw - 0.3)
    gap = np.minimum(along - tag[:, 1], tag[:, 2] - along)
    zebra = free & (gap > 2.0) & (gap < 6.0) & (c % 1.2 < 0.6) & (ac < hw - 0.6)
    centre = free & (ac < 0.15)
    white = dashed | edge | zebra
    rgb[white] = (236, 236, 230)
    rgb[centre & ~white] = (232, 186, 40)
    kind = np.where(white | centre, _MARK, kind)
    inten[kind == _MARK] = 48000
    # facades: wall colour of the use, glazing in storey bands
    fac = kind == _FACADE
    walls = np.array([_WALL[u] for u in _USES], dtype=np.float64)
    rgb[fac] = walls[tag[fac, 1].astype(np.int64)]
    inten[fac] = 26000
    storey = np.where(fac, tag[:, 0], 1.0)
    f = zrel % storey
    window = fac & (f > 0.9) & (f < storey - 0.5) & ((s * length) % 3.2 < 2.0)
    rgb[window] = (70, 88, 105)
    inten[window] = 7000
    return _Cloud(uv, zrel, anchor, kind, q[idx, 9].astype(np.int64), rgb, inten)


def _cylinders(c: Array, counts: npt.NDArray[np.int64], rng: np.random.Generator) -> _Cloud:
    idx = np.repeat(np.arange(len(c)), counts)
    p0, p1, r = c[idx, 0:3], c[idx, 3:6], c[idx, 6]
    d = p1 - p0
    axis = d / np.linalg.norm(d, axis=1)[:, None]
    e1 = np.cross(axis, [0.0, 0.0, 1.0])
    flat = np.linalg.norm(e1, axis=1) < 1e-6
    e1[flat] = (1.0, 0.0, 0.0)
    e1 /= np.linalg.norm(e1, axis=1)[:, None]
    e2 = np.cross(axis, e1)
    s, theta = rng.random(len(idx)), rng.uniform(0, 2 * math.pi, len(idx))
    ring = np.cos(theta)[:, None] * e1 + np.sin(theta)[:, None] * e2
    pts = p0 + s[:, None] * d + r[:, None] * ring
    kind = c[idx, 7].astype(np.int64)
    rgb = np.where((kind == _TRUNK)[:, None], [[96, 70, 50]], [[120, 124, 130]])
    inten = np.where(kind == _TRUNK, 15000.0, 32000.0)
    return _Cloud(pts[:, :2], pts[:, 2], p0[:, :2], kind, c[idx, 8].astype(np.int64), rgb, inten)


def _spheres(e: Array, counts: npt.NDArray[np.int64], rng: np.random.Generator) -> _Cloud:
    idx = np.repeat(np.arange(len(e)), counts)
    g = rng.normal(size=(len(idx), 3))
    g /= np.linalg.norm(g, axis=1)[:, None]
    depth = rng.uniform(0.7, 1.0, len(idx))  # leaves fill the outer shell of a crown
    radii = np.column_stack([e[idx, 3], e[idx, 3], e[idx, 4]]) * depth[:, None]
    pts = e[idx, 0:3] + g * radii
    kind = e[idx, 5].astype(np.int64)
    leaf = np.column_stack(
        [
            rng.uniform(45, 85, len(idx)),
            rng.uniform(95, 145, len(idx)),
            rng.uniform(35, 60, len(idx)),
        ]
    )
    crown = (kind == _CROWN)[:, None]
    rgb = np.where(crown, leaf, [[235, 232, 210]])
    inten = np.where(kind == _CROWN, rng.uniform(12000, 20000, len(idx)), 36000.0)
    return _Cloud(pts[:, :2], pts[:, 2], e[idx, 0:2], kind, e[idx, 6].astype(np.int64), rgb, inten)


def _sample(p: _Prims, density: float, max_points: int, rng: np.random.Generator) -> _Cloud:
    q, c, e = _table(p.quads, 13), _table(p.cyls, 9), _table(p.spheres, 7)
    q_area = np.abs(q[:, 2] * q[:, 5] - q[:, 3] * q[:, 4]) + np.hypot(q[:, 2], q[:, 3]) * q[:, 6]
    c_area = 2 * math.pi * c[:, 6] * np.linalg.norm(c[:, 3:6] - c[:, 0:3], axis=1)
    e_area = 4 * math.pi * e[:, 3] * (e[:, 3] + e[:, 4]) / 2
    area = np.concatenate([q_area, c_area, e_area])
    anchor = np.concatenate([q[:, 0:2] + q[:, 2:4] / 2 + q[:, 4:6] / 2, c[:, 0:2], e[:, 0:2]])
    # the square around the centre whose surfaces fit the point budget
    reach = np.abs(anchor).max(axis=1)
    order = np.argsort(reach, kind="stable")
    fits = np.flatnonzero(np.cumsum(area[order] * density) <= max_points)
    limit = reach[order[fits[-1] if len(fits) else 0]]
    expected = np.where(reach <= limit, area * density, 0.0)
    counts = np.floor(expected + rng.random(len(expected))).astype(np.int64)
    nq, nc = len(q), len(q) + len(c)
    parts = [
        _quads(q, counts[:nq], rng),
        _cylinders(c, counts[nq:nc], rng),
        _spheres(e, counts[nc:], rng),
    ]
    cloud = _Cloud(
        *(np.concatenate([getattr(x, f) for x in parts]) for f in _Cloud.__annotations__)
    )
    if len(cloud.kind) > max_points:
        keep = np.sort(rng.choice(len(cloud.kind), max_points, replace=False))
        cloud = _Cloud(*(getattr(cloud, f)[keep] for f in _Cloud.__annotations__))
    return cloud


def write_street_scan(
    path: Path,
    n_buildings: int = 6000,
    seed: int = 20261121,
    points_per_m2: float = 20.0,
    max_points: int = 2_000_000,
    heights: HeightFn | None = None,
) -> ScanInfo:
    """Write a LAS 1.4 (point format 7, CRS EPSG:4547) scan of the demo city's main streets.

    ``.laz`` paths are compressed. ``heights(x, y)`` maps EPSG:4547 coordinates (arrays)
    to ground heights; without it the ground is at 0.
    """
    if not (math.isfinite(points_per_m2) and 0.1 <= points_per_m2 <= 1000.0):
        raise InvalidInputError("points_per_m2 must be between 0.1 and 1000")
    if isinstance(max_points, bool) or not isinstance(max_points, int) or max_points < 1:
        raise InvalidInputError("max_points must be a positive integer")
    city = generate_demo_city(n_buildings, seed)
    plan = make_plan(seed, 4000.0, 3000.0)  # streets near the centre do not depend on the extent
    bld = _buildings(city, plan.origin)
    uv = shapely.get_coordinates(bld.local)
    streets = _select_streets(plan, uv)
    rng = np.random.default_rng([seed, 700])
    prims = _Prims()
    for k, st in enumerate(streets):
        _street_prims(prims, k, st, plan, streets, rng)
        _facades(prims, k, st, bld)
    cloud = _sample(prims, points_per_m2, max_points, rng)
    xy = plan.to_projected(cloud.uv)
    ground = np.zeros(len(xy))
    if heights is not None:
        ground = _ground(heights, plan, streets, cloud, xy)
    z = ground + cloud.zrel
    _write(path, xy, z, cloud)
    corridors = []
    for k, st in enumerate(streets):
        along = cloud.uv[cloud.street == k] @ st.dirs()[0]
        if len(along):
            ends = st.at(np.array([along.min(), along.max()]), np.zeros(2))
            line = shapely.LineString(plan.to_projected(ends))
            corridors.append(line.buffer(st.line.width / 2, cap_style="flat"))
    classes = tuple(int(c) for c in np.unique(_CLASS_OF[cloud.kind]))
    lo, hi = np.min(xy, axis=0), np.max(xy, axis=0)
    return ScanInfo(
        path=path,
        point_count=len(z),
        bounds=(
            float(lo[0]),
            float(lo[1]),
            float(z.min()),
            float(hi[0]),
            float(hi[1]),
            float(z.max()),
        ),
        classes=classes,
        crs=f"EPSG:{CRS_EPSG}",
        corridors=shapely.union_all(corridors),
    )


def _ground(
    heights: HeightFn, plan: CityPlan, streets: list[_Street], cloud: _Cloud, xy: Array
) -> Array:
    """Ground under each point; streets bridge dips narrower than 80 m (a river channel)."""

    def read(x: Array, y: Array) -> Array:
        z = np.asarray(heights(x, y), dtype=np.float64)
        if z.shape != x.shape or not np.isfinite(z).all():
            raise InvalidInputError("the height function gave no height for part of the scan")
        return z

    flat = np.all(cloud.anchor == cloud.uv, axis=1)
    foot = plan.to_projected(cloud.anchor)
    ground = read(foot[:, 0], foot[:, 1])
    ground[flat] = read(xy[flat, 0], xy[flat, 1])
    for k, st in enumerate(streets):
        mine = (cloud.street == k) & (cloud.kind != _FACADE)
        along = cloud.anchor[mine] @ st.dirs()[0]
        if not len(along):
            continue
        s = np.arange(along.min() - 82.0, along.max() + 84.0, 2.0)
        centre = plan.to_projected(st.at(s, np.zeros(len(s))))
        profile = read(centre[:, 0], centre[:, 1])
        window = 41  # 80 m: a morphological closing fills the dips, keeps the slopes
        dilated = np.lib.stride_tricks.sliding_window_view(profile, window).max(axis=1)
        closed = np.lib.stride_tricks.sliding_window_view(dilated, window).min(axis=1)
        deck = np.interp(along, s[window - 1 : len(s) - window + 1], closed)
        ground[mine] = np.maximum(ground[mine], deck)
    return ground


def _write(path: Path, xy: Array, z: Array, cloud: _Cloud) -> None:
    header = laspy.LasHeader(version="1.4", point_format=7)
    header.add_crs(CRS.from_epsg(CRS_EPSG))
    header.scales = np.array([0.001, 0.001, 0.001])
    header.offsets = np.floor(np.array([xy[:, 0].min(), xy[:, 1].min(), z.min()]) / 100.0) * 100.0
    header.creation_date = _SCAN_DATE
    header.system_identifier = "twin demo mobile mapping"
    header.generating_software = "twin demo"
    las = laspy.LasData(header)
    las.x, las.y, las.z = xy[:, 0], xy[:, 1], z
    rgb = np.clip(np.round(cloud.rgb), 0, 255).astype(np.uint16) * 257
    las.red, las.green, las.blue = rgb[:, 0], rgb[:, 1], rgb[:, 2]
    las.intensity = np.clip(np.round(cloud.intensity), 0, 65535).astype(np.uint16)
    las.classification = _CLASS_OF[cloud.kind].astype(np.uint8)
    las.return_number = np.ones(len(z), dtype=np.uint8)
    las.number_of_returns = np.ones(len(z), dtype=np.uint8)
    las.point_source_id = (cloud.street + 1).astype(np.uint16)
    try:
        path.unlink(missing_ok=True)
        las.write(str(path))
    except (OSError, laspy.errors.LaspyException) as exc:
        raise InvalidInputError("the street scan could not be written to the given path") from exc
