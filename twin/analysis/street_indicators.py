"""Street form indicators along centre lines: width, wall height, 高宽比, sky view, green view.

Stations are spread evenly along each centre line (at most ``spacing_m`` apart, the first
and last half a spacing from the ends) and lifted to eye height (1.5 m) above the ground.

* ``width_m``: at each station a horizontal ray is cast perpendicular to the street to
  either side (up to ``max_width_m``) against the building-like features (``is_wall``);
  a station where both rays hit a wall has a width, the sum of both distances; the street's
  is the median of those.
* ``mean_height_m``: for every wall hit, the height of its top above the station's ground,
  found by a ray cast down from high above onto the hit point pushed 0.5 m into the wall;
  the street's is the mean over all hits. ``height_width_ratio`` (街道高宽比) is the mean
  height over the width.
* ``svf``: the mean projected sky view factor (:mod:`twin.analysis.sky_view`) of an upward
  surface at each station, at 1.5 m, every scene feature occluding.
* ``green_ratio``: a green view ratio (绿视率-like): of the view rays cast from each
  station at eye height in every horizontal direction (every 5° of azimuth) and from the
  horizon up to 45° of elevation (bands of 5°, weighted by the cosine of the elevation, the
  solid angle each ray stands for), the weighted share whose first hit within
  ``GREEN_VIEW_DISTANCE_M`` is a green feature (``is_green``). Sky and grey hits count in
  the denominator; views downward (lawns at one's feet) do not.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from twin.analysis.frame_points import enu_to_local, local_up, to_local, to_lonlath
from twin.analysis.ray_scene import FeatureRef, RayScene
from twin.analysis.sky_view import sky_view_factor
from twin.errors import InvalidInputError

F64 = npt.NDArray[np.float64]

EYE_HEIGHT_M = 1.5
#: how far into a hit wall the ray that finds its top comes down
WALL_PUSH_M = 0.5
#: the ray down onto a wall top starts this far above the station's ground
DROP_FROM_M = 2000.0
GREEN_VIEW_DISTANCE_M = 300.0
GREEN_AZIMUTH_STEP_DEG = 5.0
GREEN_ELEVATION_BANDS_DEG = (0.0, 45.0, 5.0)
WALL_KINDS = frozenset({"buildings", "bim"})
MAX_STATIONS = 20000
_TREE = re.compile(r"(?<![a-z])trees?(?![a-z])|树", re.IGNORECASE)
#: view rays per batch of stations
BATCH_RAYS = 1 << 20


def default_is_green(ref: FeatureRef) -> bool:
    """Street objects that are trees: the word ``tree``/``trees`` (not inside another word,
    so not the one in "street") or 树 in the feature id or the layer name."""
    return ref.kind == "streets" and bool(_TREE.search(ref.feature_id) or _TREE.search(ref.layer))


def default_is_wall(ref: FeatureRef) -> bool:
    return ref.kind in WALL_KINDS


@dataclass(frozen=True)
class StreetIndicators:
    id: str
    length_m: float
    stations: int
    width_m: float | None
    mean_height_m: float | None
    height_width_ratio: float | None
    svf: float
    green_ratio: float


def street_indicators(
    scene: RayScene,
    streets: Sequence[tuple[str, shapely.LineString]],
    *,
    ground: Callable[[F64, F64], F64] | None = None,
    spacing_m: float = 20.0,
    max_width_m: float = 200.0,
    is_green: Callable[[FeatureRef], bool] = default_is_green,
    is_wall: Callable[[FeatureRef], bool] = default_is_wall,
    svf_rays: int = 1024,
) -> list[StreetIndicators]:
    """Indicators of each ``(id, centre line in lon/lat)``, in input order. ``ground(lon,
    lat)`` gives ground heights above the ellipsoid (None: the scene's terrain below the
    station, or the ellipsoid where there is none)."""
    if not (math.isfinite(spacing_m) and spacing_m >= 1.0):
        raise InvalidInputError("spacing_m must be at least 1 m")
    if not (math.isfinite(max_width_m) and 1.0 <= max_width_m <= 2000.0):
        raise InvalidInputError("max_width_m must be between 1 and 2000 m")
    walls = scene.subset(is_wall)
    green = scene.feature_mask(is_green)
    stations: list[tuple[F64, F64]] = []
    lengths: list[float] = []
    for sid, line in streets:
        if not isinstance(line, shapely.LineString) or line.is_empty:
            raise InvalidInputError(f"street {sid!r} must be a non-empty LineString")
        xy, tangent, length = _stations(scene, np.asarray(line.coords)[:, :2], spacing_m)
        stations.append((xy, tangent))
        lengths.append(length)
    if sum(len(s[0]) for s in stations) > MAX_STATIONS:
        raise InvalidInputError(f"at most {MAX_STATIONS} stations: use a larger spacing")
    if not stations:
        return []
    counts = [len(s[0]) for s in stations]
    xy = np.concatenate([s[0] for s in stations])
    tangent = np.concatenate([s[1] for s in stations])
    ll = to_lonlath(scene.frame, np.c_[xy, np.zeros(len(xy))])
    ground_h = _ground(scene, ll, ground)
    eye_ll = np.c_[ll[:, :2], ground_h + EYE_HEIGHT_M]
    eye = to_local(scene.frame, eye_ll)
    up = local_up(scene.frame, eye_ll)
    along = tangent - (tangent * up).sum(1)[:, None] * up
    along /= np.linalg.norm(along, axis=1)[:, None]
    left = np.cross(up, along)
    dist, top = _walls(walls, eye, up, left, max_width_m)  # (n, 2) each side, nan for none
    svf = sky_view_factor(scene, eye_ll, rays=svf_rays)
    greens = _green_view(scene, green, eye, eye_ll)
    out = []
    start = 0
    for (sid, _), count, length in zip(streets, counts, lengths, strict=True):
        sl = slice(start, start + count)
        start += count
        both = ~np.isnan(dist[sl]).any(axis=1)
        width = float(np.median(dist[sl][both].sum(axis=1))) if both.any() else None
        heights = top[sl][~np.isnan(top[sl])]
        height = float(heights.mean()) if len(heights) else None
        ratio = height / width if height is not None and width else None
        out.append(
            StreetIndicators(
                id=str(sid),
                length_m=length,
                stations=count,
                width_m=width,
                mean_height_m=height,
                height_width_ratio=ratio,
                svf=float(statistics.fmean(svf[sl].tolist())),
                green_ratio=float(statistics.fmean(greens[sl].tolist())),
            )
        )
    return out


def _stations(scene: RayScene, lonlat: F64, spacing: float) -> tuple[F64, F64, float]:
    """Station positions (frame x, y) along a line, the line's direction there, its length."""
    local = to_local(scene.frame, np.c_[lonlat, np.zeros(len(lonlat))])
    seg = np.diff(local, axis=0)
    seg_len = np.linalg.norm(seg, axis=1)
    keep = seg_len > 1e-6
    seg, seg_len = seg[keep], seg_len[keep]
    if not len(seg):
        raise InvalidInputError("a street centre line must have two distinct points")
    start = local[:-1][keep]
    cum = np.concatenate([[0.0], np.cumsum(seg_len)])
    length = float(cum[-1])
    count = max(1, math.ceil(length / spacing - 1e-9))
    s = (np.arange(count) + 0.5) * length / count
    i = np.clip(np.searchsorted(cum, s, side="right") - 1, 0, len(seg) - 1)
    t = (s - cum[i]) / seg_len[i]
    pos = start[i] + seg[i] * t[:, None]
    direction = seg[i] / seg_len[i][:, None]
    return pos[:, :2], direction, length


def _ground(scene: RayScene, ll: F64, ground: Callable[[F64, F64], F64] | None) -> F64:
    if ground is not None:
        h = np.asarray(ground(ll[:, 0].copy(), ll[:, 1].copy()), dtype=np.float64).reshape(-1)
        if h.shape != (len(ll),) or not np.isfinite(h).all():
            raise InvalidInputError("ground must give one finite height per station")
        return h
    terrain = scene.subset(lambda ref: ref.kind == "terrain")
    if terrain.triangle_count == 0:  # (first_hits fails on an empty scene)
        return np.zeros(len(ll))
    high = np.c_[ll[:, :2], np.full(len(ll), 9000.0)]
    origin = to_local(scene.frame, high)
    hits = terrain.first_hits(origin, -local_up(scene.frame, high), 20000.0)
    out: F64 = np.where(hits.hit, 9000.0 - hits.distance, 0.0)
    return out


def _walls(walls: RayScene, eye: F64, up: F64, left: F64, max_width: float) -> tuple[F64, F64]:
    """Per station and side (left, right): the distance to the first wall and the height of
    its top above the station's ground (nan where no wall within ``max_width``)."""
    n = len(eye)
    o = np.concatenate([eye, eye])
    d = np.concatenate([left, -left])
    u = np.concatenate([up, up])
    top = np.full(2 * n, np.nan)
    if walls.triangle_count == 0:
        return np.full((n, 2), np.nan), top.reshape(2, n).T
    hits = walls.first_hits(o, d, max_width)
    dist = np.where(hits.hit, hits.distance, np.nan)
    if hits.hit.any():
        h = hits.hit
        inside = o[h] + d[h] * (hits.distance[h] + WALL_PUSH_M)[:, None]
        above = inside + u[h] * (DROP_FROM_M - EYE_HEIGHT_M)
        roof = walls.first_hits(above, -u[h], DROP_FROM_M + 100.0)
        # ``above`` is DROP_FROM_M over the station's ground, so the roof is that less the drop
        top[h] = np.where(roof.hit, DROP_FROM_M - roof.distance, np.nan)
    return dist.reshape(2, n).T, top.reshape(2, n).T


def _green_view(scene: RayScene, green: npt.NDArray[np.bool_], eye: F64, eye_ll: F64) -> F64:
    n = len(eye)
    if n == 0 or not green.any():
        return np.zeros(n)
    lo, hi, step = GREEN_ELEVATION_BANDS_DEG
    elevation = np.radians(np.arange(lo + step / 2, hi, step))
    azimuth = np.radians(np.arange(0.0, 360.0, GREEN_AZIMUTH_STEP_DEG))
    el, az = (a.reshape(-1) for a in np.meshgrid(elevation, azimuth))
    weight = np.cos(el)
    enu = np.stack([np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el)], axis=1)
    k = len(enu)
    out = np.zeros(n)
    per_batch = max(1, BATCH_RAYS // k)
    for start in range(0, n, per_batch):
        sl = slice(start, min(start + per_batch, n))
        b = sl.stop - sl.start
        local = enu_to_local(scene.frame, eye_ll[sl], np.broadcast_to(enu, (b, k, 3)))
        hits = scene.first_hits(
            np.repeat(eye[sl], k, axis=0), local.reshape(-1, 3), GREEN_VIEW_DISTANCE_M
        )
        tri = hits.triangle.reshape(b, k)
        seen = np.where(tri >= 0, green[np.maximum(tri, 0)], False)
        out[sl] = (seen * weight).sum(axis=1) / weight.sum()
    return out
