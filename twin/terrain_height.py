"""Terrain heights at any lon/lat, from the DEM a terrain layer stored, and buildings on it.

:class:`TerrainHeight` interpolates the DEM samples (pixel centres) bilinearly.
Points inside the raster but within half a pixel of its edge use the nearest edge
samples (clamped); points outside the raster, or whose interpolation touches a
nodata sample, give NaN. Heights are ellipsoidal, as the terrain layer's are.

:func:`clamp_to_terrain` stands each footprint on the terrain: its base becomes the
lowest terrain height under its vertices and centroid, its top moves by the same
amount. Footprints with no terrain under them keep their base (and are counted).
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import json
import logging
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS, Transformer

from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from twin.errors import InvalidInputError
from twin.naming import version_prefix
from twin.readers.dem import Dem, dem_from_header
from twin.readers.footprints import FootprintSet

log = logging.getLogger("twin.terrain")
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class TerrainHeight:
    """Bilinear heights of one DEM; constructing it does no I/O (see :meth:`load`)."""

    dem: Dem

    @classmethod
    def load(cls, store: ObjectStore, catalog: Catalog, layer: str) -> TerrainHeight:
        """The DEM of the current version of terrain layer ``layer``."""
        record = catalog.get_layer(layer)
        if record.kind != "terrain":
            raise InvalidInputError(f"layer {layer!r} is a {record.kind} layer, not terrain")
        if record.version is None:
            raise InvalidInputError(f"terrain layer {layer!r} has no published version yet")
        dem_keys: dict[str, Any] = dict(record.metadata.get("dem") or {})
        if not dem_keys:
            raise InvalidInputError(f"terrain layer {layer!r} has no stored DEM")
        prefix = version_prefix(layer, record.version)
        header = json.loads(store.get_bytes(prefix + dem_keys["header"]))
        raw = gzip.decompress(store.get_bytes(prefix + dem_keys["heights"]))
        heights = np.load(io.BytesIO(raw), allow_pickle=False)
        return cls(dem_from_header(header, heights))

    @cached_property
    def _from_lonlat(self) -> Transformer:
        return Transformer.from_crs(CRS.from_epsg(4326), self.dem.crs, always_xy=True)

    def height_at(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> F64:
        """Heights (m) at lon/lat degrees, any matching shapes; NaN outside or at nodata."""
        lon_a = np.asarray(lon, dtype=np.float64)
        lat_a = np.asarray(lat, dtype=np.float64)
        x, y = self._from_lonlat.transform(lon_a, lat_a)
        return self.height_at_xy(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))

    def height_at_xy(self, x: F64, y: F64) -> F64:
        """Heights at coordinates in the DEM's own CRS."""
        a, b, c, d, e, f = self.dem.transform
        det = a * e - b * d
        dx, dy = x - c, y - f
        col = (e * dx - b * dy) / det  # pixel space: 0..cols across the raster
        row = (-d * dx + a * dy) / det
        rows, cols = self.dem.shape
        inside = (col >= 0) & (col <= cols) & (row >= 0) & (row <= rows)
        fc = np.clip(np.nan_to_num(col - 0.5), 0.0, cols - 1.0)  # sample space, clamped
        fr = np.clip(np.nan_to_num(row - 0.5), 0.0, rows - 1.0)
        c0 = np.minimum(np.floor(fc).astype(np.int64), max(cols - 2, 0))
        r0 = np.minimum(np.floor(fr).astype(np.int64), max(rows - 2, 0))
        c1, r1 = np.minimum(c0 + 1, cols - 1), np.minimum(r0 + 1, rows - 1)
        u, t = fc - c0, fr - r0
        h = self.dem.heights
        top = h[r0, c0] * (1 - u) + h[r0, c1] * u
        bottom = h[r1, c0] * (1 - u) + h[r1, c1] * u
        out = (top * (1 - t) + bottom * t).astype(np.float64)
        # a nodata corner poisons the result even with weight 0
        bad = ~(np.isfinite(h[r0, c0]) & np.isfinite(h[r0, c1]))
        bad |= ~(np.isfinite(h[r1, c0]) & np.isfinite(h[r1, c1]))
        return np.where(inside & ~bad, out, np.nan)


@dataclass(frozen=True)
class ClampResult:
    footprints: FootprintSet
    clamped: int  # footprints whose base now sits on the terrain
    outside: int  # footprints with no terrain under them: base kept


def clamp_footprints(fps: FootprintSet, heights: TerrainHeight) -> ClampResult:
    """Base = lowest terrain under each footprint's vertices and centroid; top shifts too."""
    n = len(fps)
    if n == 0:
        return ClampResult(fps, 0, 0)
    geoms = fps.geometries
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    cents = shapely.get_coordinates(shapely.centroid(geoms))
    xy = np.concatenate([coords[:, :2], cents[:, :2]])
    who = np.concatenate([owner, np.arange(n)])
    to_lonlat = Transformer.from_crs(fps.crs, CRS.from_epsg(4326), always_xy=True)
    lon, lat = to_lonlat.transform(xy[:, 0], xy[:, 1])
    h = heights.height_at(np.asarray(lon), np.asarray(lat))
    lowest = np.full(n, np.inf)
    np.minimum.at(lowest, who[np.isfinite(h)], h[np.isfinite(h)])
    found = np.isfinite(lowest)
    shift = np.where(found, lowest - fps.base, 0.0)
    out = dataclasses.replace(fps, base=fps.base + shift, top=fps.top + shift)
    outside = int(n - found.sum())
    if outside:
        log.warning(
            "footprints outside the terrain keep their base",
            extra={"layer": fps.layer, "outside": outside, "total": n},
        )
    return ClampResult(out, int(found.sum()), outside)


def clamp_to_terrain(fps: FootprintSet, heights: TerrainHeight) -> FootprintSet:
    """:func:`clamp_footprints` without the counts (they are logged)."""
    return clamp_footprints(fps, heights).footprints
