"""The parcel's red line (用地红线) in model metres, from GeoJSON or a catalog footprint.

GeoJSON is lon/lat (RFC 7946) unless it names a CRS the old way
(``"crs": {"type": "name", "properties": {"name": "EPSG:4547"}}``); a Polygon or
MultiPolygon, bare, as a Feature or as a FeatureCollection (whose polygons are merged).
It is brought into the model's plan coordinates through the model's georeference.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import shapely
import shapely.geometry
import shapely.ops

from bim_ingest.georef import Georeference
from tiles.geodesy import geodetic_to_ecef
from twin.errors import CRSError, InvalidInputError

MAX_BYTES = 20_000_000


def read_red_line_lonlat(path: Path) -> shapely.Geometry:
    """The red line polygon(s) in lon/lat."""
    if not path.is_file():
        raise InvalidInputError(f"red line file not found: {path.name}")
    if path.stat().st_size > MAX_BYTES:
        raise InvalidInputError(f"{path.name}: a red line file over 20 MB is not plausible")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"{path.name}: not GeoJSON ({exc})") from None
    return red_line_from_geojson(doc, label=path.name)


def red_line_from_geojson(doc: Any, *, label: str = "red line") -> shapely.Geometry:
    if not isinstance(doc, dict):
        raise InvalidInputError(f"{label}: not a GeoJSON object")
    geometries: list[Any] = []
    kind = doc.get("type")
    if kind == "FeatureCollection":
        geometries = [f.get("geometry") for f in doc.get("features") or [] if isinstance(f, dict)]
    elif kind == "Feature":
        geometries = [doc.get("geometry")]
    else:
        geometries = [doc]
    polygons = []
    for g in geometries:
        if not isinstance(g, dict) or g.get("type") not in {"Polygon", "MultiPolygon"}:
            continue
        try:
            shape = shapely.geometry.shape(g)
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            raise InvalidInputError(f"{label}: a polygon is malformed ({exc})") from None
        polygons.append(shape)
    if not polygons:
        raise InvalidInputError(f"{label}: no Polygon or MultiPolygon in it")
    merged = shapely.union_all(polygons)
    coords = shapely.get_coordinates(merged)
    if not np.isfinite(coords).all():
        raise InvalidInputError(f"{label}: coordinates must be finite numbers")
    if not merged.is_valid:
        merged = shapely.make_valid(merged)
    crs_name = ((doc.get("crs") or {}).get("properties") or {}).get("name")
    if crs_name:
        try:
            crs = pyproj.CRS.from_user_input(crs_name)
        except pyproj.exceptions.CRSError:
            raise CRSError(f"{label}: unknown CRS {crs_name!r}") from None
        to_lonlat = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        merged = shapely.ops.transform(to_lonlat.transform, merged)
    outside = np.abs(coords[:, 0]).max() > 180 or np.abs(coords[:, 1]).max() > 90
    if not crs_name and outside:
        raise InvalidInputError(
            f"{label}: coordinates are not lon/lat; name the CRS in a 'crs' member"
        )
    if merged.area <= 0:
        raise InvalidInputError(f"{label}: the red line encloses no area")
    return merged


def to_model_plan(lonlat: shapely.Geometry, georef: Georeference) -> shapely.Geometry:
    """Lon/lat polygon(s) -> the model's plan coordinates (metres), through the georeference."""
    m = np.asarray(georef.matrix, dtype=np.float64).reshape(4, 4)
    inverse = np.linalg.inv(m)
    height = georef.frame.height

    def transform(xy: Any) -> Any:
        lon, lat = xy[:, 0], xy[:, 1]
        enu = georef.frame.from_ecef(geodetic_to_ecef(lon, lat, np.full(lon.shape, height)))
        model = enu @ inverse[:3, :3].T + inverse[:3, 3]
        return model[:, :2]

    return shapely.transform(lonlat, transform)
