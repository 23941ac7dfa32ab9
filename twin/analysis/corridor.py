"""Protected view corridor check: which features rise above the threshold surface.

The corridor (:mod:`twin.analysis.corridor_threshold`) is sampled on a grid of about
``cell_m`` metres aligned with the view. From above the scene's top, one ray per cell runs
straight down the local vertical (the ellipsoid normal, along which lon/lat stay fixed and
the height falls by the distance travelled) as far as the threshold: the first surface it
meets is the top surface above the threshold there, and its feature is the intruder.

* Volume of a feature: ``Σ (top − threshold) × cell area`` over the cells it tops.
* Maximum intrusion: the largest excess over those cells *and* over the feature's triangle
  vertices inside the corridor (exact for flat roofs and for peaks between samples; a
  feature that only pokes up between cell centres is listed with a volume of 0).

Terrain features are ground, not development: a cell whose top surface is terrain adds
nothing, and terrain vertices are skipped, unless ``include_terrain``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from twin.analysis.corridor_threshold import (
    CorridorGeometry,
    CorridorSpec,
    corridor_geometry,
    local_polygon_lonlat,
    threshold_xy,
)
from twin.analysis.frame_points import local_up, to_local, to_lonlath
from twin.analysis.ray_scene import FeatureRef, RayScene
from twin.errors import InvalidInputError

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

DEFAULT_MAX_CELLS = 4_000_000
#: an excess this small is the surface touching the threshold, not an intrusion
TOLERANCE_M = 1e-3
#: grid points evaluated at once while sampling the corridor
_BLOCK = 1 << 20
_NO_FEATURE = FeatureRef("", "", "")


@dataclass(frozen=True)
class Intrusion:
    feature_id: str
    layer: str
    kind: str
    max_intrusion_m: float
    volume_m3: float
    point: tuple[float, float, float]  # lon, lat, h of the highest excess


@dataclass(frozen=True)
class CorridorResult:
    polygon: shapely.Polygon  # lon/lat
    intrusions: tuple[Intrusion, ...]  # largest intrusion first
    cell_m: float  # the sampling cell actually used
    cells: int  # cells sampled inside the corridor


@dataclass(frozen=True)
class CorridorCells:
    """Cell centres (plane x, y in the corridor's frame) and the threshold there."""

    x: F64
    y: F64
    threshold: F64
    cell_m: float


def corridor_cells(geom: CorridorGeometry, cell_m: float, max_cells: int) -> CorridorCells:
    """The corridor sampled on a square grid along the view, coarsened to ≤ ``max_cells``."""
    ring = geom.ring
    rx, ry = ring[:, 0], ring[:, 1]
    area = 0.5 * abs(float(np.sum(rx * np.roll(ry, -1) - np.roll(rx, -1) * ry)))
    mean = ring[1:].mean(axis=0)
    norm = float(np.linalg.norm(mean))
    u = mean / norm if norm > 1e-6 else np.array([1.0, 0.0])
    v = np.array([-u[1], u[0]])
    a, b = ring @ u, ring @ v
    a0, b0 = float(a.min()), float(b.min())
    la, lb = float(a.max()) - a0, float(b.max()) - b0
    cell = max(cell_m, math.sqrt(area / max_cells), math.sqrt(la * lb / (4 * max_cells)))
    na, nb = max(1, math.ceil(la / cell)), max(1, math.ceil(lb / cell))
    ca = a0 + (np.arange(na) + 0.5) * cell
    cb = b0 + (np.arange(nb) + 0.5) * cell
    xs, ys, ts = [], [], []
    rows = max(1, _BLOCK // nb)
    for start in range(0, na, rows):
        ga, gb = np.meshgrid(ca[start : start + rows], cb, indexing="ij")
        x = (ga * u[0] + gb * v[0]).ravel()
        y = (ga * u[1] + gb * v[1]).ravel()
        t = threshold_xy(geom, x, y)
        keep = np.isfinite(t)
        xs.append(x[keep])
        ys.append(y[keep])
        ts.append(t[keep])
    return CorridorCells(np.concatenate(xs), np.concatenate(ys), np.concatenate(ts), cell)


def check_corridor(
    scene: RayScene,
    spec: CorridorSpec,
    *,
    cell_m: float = 2.0,
    include_terrain: bool = False,
    max_cells: int = DEFAULT_MAX_CELLS,
) -> CorridorResult:
    """Every feature reaching above ``spec``'s threshold inside its corridor."""
    if not (isinstance(cell_m, int | float) and math.isfinite(cell_m) and cell_m > 0):
        raise InvalidInputError("cell_m must be a positive number of metres")
    if isinstance(max_cells, bool) or not isinstance(max_cells, int) or max_cells < 1:
        raise InvalidInputError("max_cells must be a positive integer")
    geom = corridor_geometry(spec)
    polygon = local_polygon_lonlat(geom)
    cells = corridor_cells(geom, float(cell_m), max_cells)
    area = cells.cell_m * cells.cell_m
    n_cells = len(cells.x)
    candidates = _triangles_near(scene, geom)
    if not len(candidates) or not n_cells:
        return CorridorResult(polygon, (), cells.cell_m, n_cells)
    kept = np.asarray(
        [include_terrain or f.kind != "terrain" for f in scene.features] + [True], dtype=bool
    )
    vid = np.unique(scene.triangles[candidates])
    vgeo = to_lonlath(scene.frame, scene.vertices[vid])
    top = float(vgeo[:, 2].max()) + 1.0

    # cells: one ray down from above the scene's top to the threshold
    groups: list[I64] = []
    excesses: list[F64] = []
    points: list[F64] = []
    volume = np.zeros(len(scene.features) + 1)
    below = cells.threshold < top - TOLERANCE_M
    if below.any():
        thr = cells.threshold[below]
        ll = to_lonlath(geom.frame, np.c_[cells.x[below], cells.y[below], np.zeros(len(thr))])
        ll[:, 2] = top
        hits = scene.first_hits(to_local(scene.frame, ll), -local_up(scene.frame, ll), top - thr)
        h_top = top - hits.distance
        excess = h_top - thr
        ok = hits.hit & kept[hits.feature] & (excess > TOLERANCE_M)
        feat = hits.feature[ok]
        np.add.at(volume, feat + 1, excess[ok] * area)
        groups.append(feat)
        excesses.append(excess[ok])
        points.append(np.c_[ll[ok, :2], h_top[ok]])

    # vertices of the candidate triangles inside the corridor
    tri_feat = scene.triangle_feature[candidates]
    keep_tri = kept[tri_feat]
    corner = scene.triangles[candidates[keep_tri]].ravel()
    corner_feat = np.repeat(tri_feat[keep_tri], 3)
    if len(corner):
        pos = np.searchsorted(vid, corner)
        geo = vgeo[pos]
        xy = to_local(geom.frame, np.c_[geo[:, :2], np.zeros(len(geo))])
        excess = geo[:, 2] - threshold_xy(geom, xy[:, 0], xy[:, 1])
        ok = np.isfinite(excess) & (excess > TOLERANCE_M)
        groups.append(corner_feat[ok])
        excesses.append(excess[ok])
        points.append(geo[ok])

    intrusions = _intrusions(
        scene, np.concatenate(groups), np.concatenate(excesses), np.concatenate(points), volume
    )
    return CorridorResult(polygon, intrusions, cells.cell_m, n_cells)


def _intrusions(
    scene: RayScene, group: I64, excess: F64, point: F64, volume: F64
) -> tuple[Intrusion, ...]:
    if not len(group):
        return ()
    order = np.lexsort((excess, group))
    g = group[order]
    last = np.r_[g[1:] != g[:-1], True]
    best = order[last]
    out = []
    for i in best.tolist():
        f = int(group[i])
        ref = scene.features[f] if f >= 0 else _NO_FEATURE
        p = point[i]
        out.append(
            Intrusion(
                feature_id=ref.feature_id,
                layer=ref.layer,
                kind=ref.kind,
                max_intrusion_m=round(float(excess[i]), 3),
                volume_m3=round(float(volume[f + 1]), 2),
                point=(float(p[0]), float(p[1]), round(float(p[2]), 3)),
            )
        )
    out.sort(key=lambda o: (-o.max_intrusion_m, o.layer, o.feature_id))
    return tuple(out)


def _triangles_near(scene: RayScene, geom: CorridorGeometry) -> I64:
    """Indices of the triangles whose frame bounding box meets the corridor's (generously)."""
    if not scene.triangle_count:
        return np.zeros(0, np.int64)
    ring = geom.ring
    ll = to_lonlath(geom.frame, np.c_[ring, np.zeros(len(ring))])
    z = scene.vertices[:, 2]
    columns = [np.c_[ll[:, :2], np.full(len(ll), h)] for h in (z.min() - 100, z.max() + 100)]
    corners = to_local(scene.frame, np.concatenate(columns))[:, :2]
    lo, hi = corners.min(axis=0), corners.max(axis=0)
    margin = 1.0 + 1e-4 * float(np.max(hi - lo))
    lo, hi = lo - margin, hi + margin
    vx, vy = scene.vertices[:, 0], scene.vertices[:, 1]
    tri = scene.triangles
    away = (
        (vx < lo[0])[tri].all(axis=1)
        | (vx > hi[0])[tri].all(axis=1)
        | (vy < lo[1])[tri].all(axis=1)
        | (vy > hi[1])[tri].all(axis=1)
    )
    out: I64 = np.flatnonzero(~away).astype(np.int64)
    return out
