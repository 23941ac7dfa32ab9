"""Read a GeoTIFF DEM (any CRS, with nodata) into a frozen grid of heights.

Samples are the pixel centres: sample ``(r, c)`` stands at
``transform * (c + 0.5, r + 0.5)`` in the DEM's CRS. Heights become float32 with
NaN wherever the file says nodata (its nodata value, its mask, or a non-finite
value), plus ``vertical_offset``. twin takes them as *ellipsoidal* heights: no
geoid model is applied (a DEM in orthometric heights stands off by the local
geoid undulation, e.g. ~50 m in the Alps; pass ``--vertical-offset`` to correct).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pyproj import CRS

from twin.errors import CRSError, IngestError, InvalidInputError
from twin.readers.crs import crs_label, parse_crs

F32 = npt.NDArray[np.float32]

#: the raster sizes twin will read in one piece (rows x cols)
MAX_SAMPLES = 20_000 * 20_000


@dataclass(frozen=True)
class Dem:
    """Heights of one DEM on its own grid; NaN is nodata."""

    source: str
    heights: F32  # (rows, cols), row 0 at transform's origin side
    transform: tuple[float, float, float, float, float, float]  # a, b, c, d, e, f (rasterio)
    crs: CRS
    vertical_offset: float = 0.0

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.heights.shape[0]), int(self.heights.shape[1]))

    @property
    def cell_size(self) -> tuple[float, float]:
        """Pixel width and height in CRS units (column step, row step)."""
        a, b, _, d, e, _ = self.transform
        return (math.hypot(a, d), math.hypot(b, e))

    def xy(self, rows: npt.ArrayLike, cols: npt.ArrayLike) -> tuple[Any, Any]:
        """CRS coordinates of sample centres."""
        a, b, c, d, e, f = self.transform
        r = np.asarray(rows, dtype=np.float64) + 0.5
        k = np.asarray(cols, dtype=np.float64) + 0.5
        return a * k + b * r + c, d * k + e * r + f

    def header(self) -> dict[str, Any]:
        """JSON facts that, with the heights, rebuild this grid (see :func:`dem_from_header`)."""
        return {
            "format": "twin-dem-1",
            "source": self.source,
            "rows": self.shape[0],
            "cols": self.shape[1],
            "dtype": "float32",
            "nodata": "NaN",
            "transform": list(self.transform),
            "pixel": "values at pixel centres: (col + 0.5, row + 0.5) through transform",
            "crs": crs_label(self.crs),
            "crs_wkt": self.crs.to_wkt(),
            "vertical_offset": self.vertical_offset,
            "heights": "ellipsoidal (WGS84), no geoid applied",
        }


def dem_from_header(header: dict[str, Any], heights: F32) -> Dem:
    if header.get("format") != "twin-dem-1":
        raise InvalidInputError("stored DEM header is not a twin-dem-1 header")
    if heights.shape != (header["rows"], header["cols"]):
        raise InvalidInputError("stored DEM heights do not match their header")
    t = tuple(float(v) for v in header["transform"])
    return Dem(
        source=str(header["source"]),
        heights=heights.astype(np.float32, copy=False),
        transform=(t[0], t[1], t[2], t[3], t[4], t[5]),
        crs=CRS.from_wkt(header["crs_wkt"]),
        vertical_offset=float(header.get("vertical_offset", 0.0)),
    )


def read_dem(path: Path, *, crs_text: str | None = None, vertical_offset: float = 0.0) -> Dem:
    """Read band 1 of a GeoTIFF DEM; ``crs_text`` overrides (or supplies) its CRS."""
    import rasterio
    from rasterio.errors import RasterioIOError

    if not math.isfinite(vertical_offset):
        raise InvalidInputError("--vertical-offset must be a finite number of metres")
    if not path.is_file():
        raise InvalidInputError(f"DEM not found: {path.name}")
    try:
        with rasterio.open(path) as src:
            if src.count < 1:
                raise IngestError(f"{path.name}: the raster has no band")
            if src.width * src.height > MAX_SAMPLES:
                raise IngestError(
                    f"{path.name}: {src.width} x {src.height} pixels is more than twin reads "
                    "at once; split the DEM"
                )
            crs = _crs(src, crs_text, path.name)
            transform = src.transform
            band = src.read(1, masked=True)
    except RasterioIOError as exc:
        raise IngestError(f"{path.name}: not a raster twin can read") from exc
    if abs(transform.a * transform.e - transform.b * transform.d) < 1e-30:
        raise IngestError(f"{path.name}: the raster has no valid geotransform")
    heights = np.ma.filled(band.astype(np.float64), np.nan)
    heights = heights + vertical_offset
    heights[~np.isfinite(heights)] = np.nan
    out = heights.astype(np.float32)
    if not np.isfinite(out).any():
        raise IngestError(f"{path.name}: every pixel is nodata")
    t = (transform.a, transform.b, transform.c, transform.d, transform.e, transform.f)
    return Dem(path.name, out, t, crs, float(vertical_offset))


def _crs(src: Any, crs_text: str | None, name: str) -> CRS:
    if crs_text:
        return parse_crs(crs_text)
    if src.crs is None:
        raise CRSError(
            f"{name} has no coordinate reference system: give it with --crs (e.g. --crs EPSG:2056)"
        )
    try:
        return CRS.from_user_input(src.crs.to_wkt())
    except Exception as exc:  # pyproj cannot read what GDAL wrote
        raise CRSError(f"{name}: CRS not understood; give it with --crs") from exc
