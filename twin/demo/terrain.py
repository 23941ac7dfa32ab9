"""A synthetic digital elevation model under the demo city, written as a GeoTIFF.

The ground under the city rolls gently (1-8 m, rising towards the hills) so buildings
can be clamped to it; a forested ridge like Shenzhen's Bijiashan and Lianhuashan
(crest 150-350 m) runs along the north edge; the plan's river is a shallow channel
and widens in its park into a lake whose surface is flat at ``LAKE_LEVEL``. A
corner has no data, as real survey tiles do. Heights are float32 metres above
sea level on a grid aligned to multiples of the cell size in EPSG:4547. The same
arguments always give the same file.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import rasterio
import shapely
from rasterio.errors import RasterioError
from rasterio.transform import Affine

from twin.demo.plan import CRS_EPSG, ROTATION_DEG, make_plan
from twin.demo_city import demo_city_open_space, generate_demo_city
from twin.errors import InvalidInputError

__all__ = [
    "LAKE_LEVEL",
    "NODATA",
    "DemInfo",
    "HeightFn",
    "dem_heights",
    "to_local",
    "write_demo_dem",
]

Array = npt.NDArray[np.float64]
HeightFn = Callable[[Array, Array], Array]

LAKE_LEVEL: Final = 2.0
NODATA: Final = -9999.0
_MARGIN = 500.0  # metres of land around the city's buildings (west, south, east)
_FOOT_GAP = 200.0  # flat land between the northernmost building and the first slope
_RIDGE_DEPTH = 1600.0  # from the foot of the hills to the north edge
_BANK = 100.0  # the ground eases down to the lake over this distance
_CHANNEL = (8.0, 30.0)  # the river bed's half width, and where its banks reach the ground
_VOID = 250.0  # legs of the nodata triangle in the south-east corner


@dataclass(frozen=True)
class DemInfo:
    path: Path
    crs: str
    bounds: tuple[float, float, float, float]  # xmin, ymin, xmax, ymax (EPSG:4547)
    shape: tuple[int, int]  # rows, columns
    cell_m: float
    nodata: float
    lake: shapely.Polygon  # EPSG:4547
    lake_level: float
    ridge_crest_m: float  # the highest point of the ridge


def _hash01(ix: npt.NDArray[np.int64], iy: npt.NDArray[np.int64], salt: int) -> Array:
    """A value in [0, 1) per lattice node, from an integer hash (platform independent)."""
    with np.errstate(over="ignore"):
        h = ix.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        h ^= iy.astype(np.uint64) * np.uint64(0xC2B2AE3D27D4EB4F)
        h ^= np.uint64(salt & 0xFFFFFFFFFFFF) * np.uint64(0x165667B19E3779F9)
        for shift, mult in ((30, 0xBF58476D1CE4E5B9), (27, 0x94D049BB133111EB)):
            h ^= h >> np.uint64(shift)
            h *= np.uint64(mult)
        h ^= h >> np.uint64(31)
    return (h >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def _smooth(t: Array) -> Array:
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _noise(x: Array, y: Array, spacing: float, salt: int) -> Array:
    """Value noise in [-1, 1] on a lattice anchored to absolute coordinates."""
    gx, gy = x / spacing, y / spacing
    ix, iy = np.floor(gx).astype(np.int64), np.floor(gy).astype(np.int64)
    fx, fy = _smooth(gx - ix), _smooth(gy - iy)
    c00, c10 = _hash01(ix, iy, salt), _hash01(ix + 1, iy, salt)
    c01, c11 = _hash01(ix, iy + 1, salt), _hash01(ix + 1, iy + 1, salt)
    top = c00 + (c10 - c00) * fx
    bottom = c01 + (c11 - c01) * fx
    return 2.0 * (top + (bottom - top) * fy) - 1.0


def _fractal(x: Array, y: Array, spacing: float, octaves: int, salt: int) -> Array:
    total, weight, amp = np.zeros_like(x), 0.0, 1.0
    for k in range(octaves):
        total += amp * _noise(x, y, spacing / 2**k, salt + 7919 * k)
        weight += amp
        amp *= 0.5
    return total / weight


def to_local(x: Array, y: Array, origin: tuple[float, float]) -> tuple[Array, Array]:
    """EPSG:4547 coordinates to the plan's local (u, v) frame: the inverse of to_projected."""
    t = math.radians(ROTATION_DEG)
    dx, dy = x - origin[0], y - origin[1]
    return dx * math.cos(t) - dy * math.sin(t), dx * math.sin(t) + dy * math.cos(t)


def _lake(seed: int, n_buildings: int) -> shapely.Polygon:
    """A lake where the river widens in its park, inside the city's open space."""
    plan = make_plan(seed, 1000.0, 1000.0)  # the river and park do not depend on the extent
    rng = np.random.default_rng([seed, 400])
    v0 = float(rng.uniform(-200.0, 200.0))
    discs = []
    for dv in (-70.0, 0.0, 70.0):
        v = v0 + dv
        u = plan.river.u_at(v) + float(rng.uniform(-8.0, 8.0))
        discs.append(shapely.Point(u, v).buffer(float(rng.uniform(55.0, 70.0)), quad_segs=8))
    vs = np.arange(v0 - 300.0, v0 + 301.0, 10.0)
    channel = shapely.LineString(np.column_stack([plan.river.u_of(vs), vs])).buffer(55.0)
    local = shapely.intersection(shapely.union_all(discs), channel)
    lake = shapely.transform(local, plan.to_projected)
    lake = shapely.intersection(
        lake, shapely.buffer(demo_city_open_space(n_buildings, seed), -20.0)
    )
    parts = shapely.get_parts(lake)
    if len(parts) == 0:  # pragma: no cover - the park is always wider than 40 m
        raise InvalidInputError("the demo city has no room for a lake")
    largest = max(parts, key=lambda p: p.area)
    return shapely.Polygon(shapely.simplify(largest, 0.5).exterior)


def _heights(
    x: Array, y: Array, seed: int, n_buildings: int, city_top: float
) -> tuple[Array, shapely.Polygon]:
    plan = make_plan(seed, 1000.0, 1000.0)
    y_south = float(y.min())
    north = np.clip((y - y_south) / max(city_top - y_south, 1.0), 0.0, 1.0)
    h = 3.0 + 2.5 * north + 1.5 * _fractal(x, y, 900.0, 2, seed)  # 1.5 - 7 m, smooth

    lake = _lake(seed, n_buildings)
    x0, y0, x1, y1 = lake.bounds
    near = (x > x0 - _BANK) & (x < x1 + _BANK) & (y > y0 - _BANK) & (y < y1 + _BANK)
    d: Array = np.asarray(shapely.distance(lake, shapely.points(x[near], y[near])), np.float64)
    floor = LAKE_LEVEL + 0.3
    raised = np.maximum(h[near], LAKE_LEVEL + 0.5)
    h[near] = floor + (raised - floor) * _smooth(d / _BANK)

    u, v = to_local(x, y, plan.origin)
    r = plan.river
    slope = (
        r.amplitude * 2 * math.pi / r.wavelength * np.cos(2 * math.pi * v / r.wavelength + r.phase)
    )
    dist = np.abs(u - r.u_of(v)) / np.sqrt(1.0 + slope**2)
    bed = LAKE_LEVEL - 0.5
    cut = bed + (h - bed) * _smooth((dist - _CHANNEL[0]) / (_CHANNEL[1] - _CHANNEL[0]))
    h = np.minimum(h, cut)
    inside = np.zeros_like(near)
    inside[near] = shapely.contains_xy(lake, x[near], y[near])
    h[inside] = LAKE_LEVEL

    foot = city_top + _FOOT_GAP
    crest_y = foot + 900.0 + 150.0 * _noise(x, np.zeros_like(x), 2500.0, seed + 11)
    crest_h = 230.0 + 60.0 * _fractal(x, np.zeros_like(x), 3000.0, 2, seed + 13)
    rise = _smooth((y - foot) / (crest_y - foot))
    fall = 1.0 - 0.45 * _smooth((y - crest_y) / (foot + _RIDGE_DEPTH - crest_y))
    mask = np.where(y < crest_y, rise, fall)
    rugged = 40.0 * _fractal(x, y, 700.0, 5, seed + 17)
    h = h + mask * (crest_h + rugged * np.minimum(mask * 3.0, 1.0))
    return h, lake


def write_demo_dem(
    path: Path, n_buildings: int = 6000, seed: int = 20261121, cell_m: float = 10.0
) -> DemInfo:
    """Write the terrain under ``generate_demo_city(n_buildings, seed)`` to a GeoTIFF."""
    if not (math.isfinite(cell_m) and 1.0 <= cell_m <= 100.0):
        raise InvalidInputError("cell_m must be between 1 and 100 metres")
    city = generate_demo_city(n_buildings, seed)
    bx0, by0, bx1, by1 = (float(b) for b in city.total_bounds)
    xmin = math.floor((bx0 - _MARGIN) / cell_m) * cell_m
    ymin = math.floor((by0 - _MARGIN) / cell_m) * cell_m
    xmax = math.ceil((bx1 + _MARGIN) / cell_m) * cell_m
    ymax = math.ceil((by1 + _FOOT_GAP + _RIDGE_DEPTH) / cell_m) * cell_m
    cols, rows = round((xmax - xmin) / cell_m), round((ymax - ymin) / cell_m)
    xs = xmin + (np.arange(cols) + 0.5) * cell_m
    ys = ymax - (np.arange(rows) + 0.5) * cell_m
    gx, gy = np.meshgrid(xs, ys)
    h, lake = _heights(gx.ravel(), gy.ravel(), seed, n_buildings, by1)
    dem = h.reshape(rows, cols).astype(np.float32)
    ridge_crest = float(dem.max())
    # a jagged void in the south-east corner, as at the edge of a real survey
    edge = (rows - 1 - np.arange(rows))[:, None] + (cols - 1 - np.arange(cols))[None, :]
    jag = 3.0 * _noise(gx, gy, 40.0, seed + 19)
    dem[edge * cell_m < _VOID + jag * cell_m] = NODATA

    profile = {
        "driver": "GTiff",
        "width": cols,
        "height": rows,
        "count": 1,
        "dtype": "float32",
        "crs": f"EPSG:{CRS_EPSG}",
        "transform": Affine(cell_m, 0.0, xmin, 0.0, -cell_m, ymax),
        "nodata": NODATA,
        "compress": "deflate",
        "predictor": 3,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
    }
    try:
        path.unlink(missing_ok=True)
        with rasterio.open(path, "w", **profile) as dst:
            dst.write(dem, 1)
    except (OSError, RasterioError) as exc:
        raise InvalidInputError("the demo terrain could not be written to the given path") from exc
    return DemInfo(
        path=path,
        crs=f"EPSG:{CRS_EPSG}",
        bounds=(xmin, ymin, xmax, ymax),
        shape=(rows, cols),
        cell_m=cell_m,
        nodata=NODATA,
        lake=lake,
        lake_level=LAKE_LEVEL,
        ridge_crest_m=ridge_crest,
    )


def dem_heights(path: Path) -> HeightFn:
    """Bilinear heights from a single-band GeoTIFF; NaN outside it and next to nodata."""
    try:
        with rasterio.open(path) as src:
            band = src.read(1).astype(np.float64)
            inverse = ~src.transform
            nodata = src.nodata
    except (OSError, RasterioError) as exc:
        raise InvalidInputError("the terrain file could not be read") from exc
    if nodata is not None:
        band[band == nodata] = np.nan
    rows, cols = band.shape

    def heights(x: Array, y: Array) -> Array:
        col, row = inverse @ (np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
        fc, fr = np.asarray(col) - 0.5, np.asarray(row) - 0.5
        c0 = np.clip(np.floor(fc).astype(np.int64), 0, cols - 2)
        r0 = np.clip(np.floor(fr).astype(np.int64), 0, rows - 2)
        tc, tr = np.clip(fc - c0, 0.0, 1.0), np.clip(fr - r0, 0.0, 1.0)
        top = band[r0, c0] * (1 - tc) + band[r0, c0 + 1] * tc
        bottom = band[r0 + 1, c0] * (1 - tc) + band[r0 + 1, c0 + 1] * tc
        z = top * (1 - tr) + bottom * tr
        outside = (fc < -0.5) | (fr < -0.5) | (fc > cols - 0.5) | (fr > rows - 0.5)
        return np.where(outside, np.nan, z)

    return heights
