"""The max buildable height surface inside protected view corridors.

Over a lon/lat (EPSG:4326) grid of cells about ``cell_m`` metres on a side, each cell holds
the lowest threshold of the corridors covering its centre (the most restrictive limit wins
where corridors overlap) as an ellipsoidal height, and that limit above the ground
(negative where the ground itself already reaches above it). Cells outside every corridor
are NaN: no corridor limit there. :func:`geotiff_bytes` writes the grid as a 2-band float32
GeoTIFF, :func:`overlay_png` as a coloured transparent image for a viewer overlay placed on
:func:`overlay_bounds`.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image
from rasterio.io import MemoryFile
from rasterio.transform import from_origin

from tiles.geodesy import E2, A
from twin.analysis.corridor_threshold import (
    CorridorSpec,
    corridor_geometry,
    local_polygon_lonlat,
    threshold_xy,
)
from twin.analysis.frame_points import to_local
from twin.errors import InvalidInputError

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]
Ground = Callable[[F64, F64], F64]

DEFAULT_MAX_CELLS = 4_000_000
BAND_DESCRIPTIONS = ("max height above ground (m)", "max height above ellipsoid (m)")
_BLOCK = 1 << 20


@dataclass(frozen=True)
class MaxHeightGrid:
    """Row 0 is the north edge; cell ``(r, c)`` is centred on
    ``(west + (c + 0.5) dlon, north - (r + 0.5) dlat)``. NaN: no corridor limit."""

    west: float
    north: float
    dlon: float
    dlat: float
    above_ground: F32
    above_ellipsoid: F32

    @property
    def rows(self) -> int:
        return int(self.above_ellipsoid.shape[0])

    @property
    def cols(self) -> int:
        return int(self.above_ellipsoid.shape[1])


def metres_per_degree(lat: float) -> tuple[float, float]:
    """(metres per degree of longitude, of latitude) on WGS84 at ``lat``."""
    s = math.sin(math.radians(lat))
    w = 1.0 - E2 * s * s
    rad = math.pi / 180.0
    m_lon = A / math.sqrt(w) * math.cos(math.radians(lat)) * rad
    m_lat = A * (1.0 - E2) / w**1.5 * rad
    return m_lon, m_lat


def max_height_grid(
    specs: Sequence[CorridorSpec],
    ground: Ground | None,
    *,
    cell_m: float = 2.0,
    max_cells: int = DEFAULT_MAX_CELLS,
) -> MaxHeightGrid:
    """The lowest corridor threshold per cell, above the ellipsoid and above ``ground``
    (``ground(lon, lat)`` → ellipsoidal ground height; None or NaN count as 0)."""
    if not specs or not all(isinstance(s, CorridorSpec) for s in specs):
        raise InvalidInputError("specs must hold at least one corridor")
    if not (isinstance(cell_m, int | float) and math.isfinite(cell_m) and cell_m > 0):
        raise InvalidInputError("cell_m must be a positive number of metres")
    if isinstance(max_cells, bool) or not isinstance(max_cells, int) or max_cells < 1:
        raise InvalidInputError("max_cells must be a positive integer")
    geoms = [corridor_geometry(s) for s in specs]
    boxes = np.asarray([local_polygon_lonlat(g).bounds for g in geoms])
    west, south = float(boxes[:, 0].min()), float(boxes[:, 1].min())
    east, north = float(boxes[:, 2].max()), float(boxes[:, 3].max())
    m_lon, m_lat = metres_per_degree(0.5 * (south + north))
    cell = max(
        float(cell_m), math.sqrt((east - west) * m_lon * (north - south) * m_lat / max_cells)
    )
    while True:
        dlon, dlat = cell / m_lon, cell / m_lat
        cols = max(1, math.ceil((east - west) / dlon))
        rows = max(1, math.ceil((north - south) / dlat))
        if rows * cols <= max_cells:
            break
        cell *= 1.01 * math.sqrt(rows * cols / max_cells)

    limit = np.full((rows, cols), np.nan)
    for geom, (w, s, e, n) in zip(geoms, boxes.tolist(), strict=True):
        c0 = max(0, math.floor((w - west) / dlon))
        c1 = min(cols, math.ceil((e - west) / dlon))
        r0 = max(0, math.floor((north - n) / dlat))
        r1 = min(rows, math.ceil((north - s) / dlat))
        lon = west + (np.arange(c0, c1) + 0.5) * dlon
        step = max(1, _BLOCK // max(1, c1 - c0))
        for ra in range(r0, r1, step):
            rb = min(r1, ra + step)
            lat = north - (np.arange(ra, rb) + 0.5) * dlat
            glon, glat = np.meshgrid(lon, lat)
            xy = to_local(geom.frame, np.c_[glon.ravel(), glat.ravel(), np.zeros(glon.size)])
            t = threshold_xy(geom, xy[:, 0], xy[:, 1]).reshape(glon.shape)
            limit[ra:rb, c0:c1] = np.fmin(limit[ra:rb, c0:c1], t)

    inside = np.isfinite(limit)
    above_ground = np.full((rows, cols), np.nan)
    rr, cc = np.nonzero(inside)
    base = np.zeros(len(rr))
    if ground is not None and len(rr):
        got = np.asarray(
            ground(
                np.asarray(west + (cc + 0.5) * dlon, dtype=np.float64),
                np.asarray(north - (rr + 0.5) * dlat, dtype=np.float64),
            ),
            dtype=np.float64,
        )
        if got.shape != base.shape:
            raise InvalidInputError("ground must return one height per position")
        base = np.where(np.isfinite(got), got, 0.0)
    above_ground[rr, cc] = limit[rr, cc] - base
    return MaxHeightGrid(
        west=west,
        north=north,
        dlon=dlon,
        dlat=dlat,
        above_ground=above_ground.astype(np.float32),
        above_ellipsoid=limit.astype(np.float32),
    )


def geotiff_bytes(grid: MaxHeightGrid) -> bytes:
    """A 2-band float32 GeoTIFF (EPSG:4326, deflate, NaN nodata): above ground, above
    the ellipsoid."""
    profile = {
        "driver": "GTiff",
        "height": grid.rows,
        "width": grid.cols,
        "count": 2,
        "dtype": "float32",
        "crs": "EPSG:4326",
        "transform": from_origin(grid.west, grid.north, grid.dlon, grid.dlat),
        "nodata": float("nan"),
        "compress": "deflate",
        "predictor": 3,
    }
    if grid.rows >= 512 and grid.cols >= 512:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    with MemoryFile() as mem:
        with mem.open(**profile) as dst:
            dst.write(grid.above_ground, 1)
            dst.write(grid.above_ellipsoid, 2)
            for band, text in enumerate(BAND_DESCRIPTIONS, start=1):
                dst.set_band_description(band, text)
        data: bytes = mem.read()
    return data


#: the overlay ramp: at or below 0 m red, yellow at half of ``max_m``, green from ``max_m``
_RED = np.array([215.0, 25.0, 28.0])
_YELLOW = np.array([255.0, 215.0, 0.0])
_GREEN = np.array([26.0, 150.0, 65.0])


def overlay_png(grid: MaxHeightGrid, *, max_m: float = 100.0, alpha: int = 160) -> bytes:
    """Band 1 (above ground) as an RGBA PNG, north up: red at or below 0 m through yellow
    to green at ``max_m`` and above, transparent where no corridor limits the height."""
    if not (math.isfinite(max_m) and max_m > 0):
        raise InvalidInputError("max_m must be a positive number of metres")
    if isinstance(alpha, bool) or not isinstance(alpha, int) or not 0 <= alpha <= 255:
        raise InvalidInputError("alpha must be an integer from 0 to 255")
    v = grid.above_ground.astype(np.float64)
    known = np.isfinite(v)
    t = np.clip(np.where(known, v, 0.0) / max_m, 0.0, 1.0)[..., None]
    low = _RED + (_YELLOW - _RED) * np.minimum(t * 2.0, 1.0)
    rgb = np.where(t <= 0.5, low, _YELLOW + (_GREEN - _YELLOW) * (t * 2.0 - 1.0))
    rgba = np.zeros((*v.shape, 4), dtype=np.uint8)
    rgba[..., :3] = np.round(rgb).astype(np.uint8)
    rgba[..., 3] = np.where(known, alpha, 0)
    buf = io.BytesIO()
    Image.fromarray(rgba).save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def overlay_bounds(grid: MaxHeightGrid) -> tuple[float, float, float, float]:
    """The overlay's lon/lat rectangle: (west, south, east, north) in degrees."""
    return (
        grid.west,
        grid.north - grid.rows * grid.dlat,
        grid.west + grid.cols * grid.dlon,
        grid.north,
    )
