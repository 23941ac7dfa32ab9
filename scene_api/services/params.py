"""Parse the bbox, sort and polygon parameters of a feature query."""

from __future__ import annotations

import math

import shapely
from shapely.errors import ShapelyError

from twin.domain import BBox, SortKey
from twin.errors import InvalidQueryError

MAX_SORT_KEYS = 8
MAX_POLYGON_CHARS = 200_000


def parse_bbox(text: str | None) -> BBox | None:
    """``west,south,east,north`` in degrees (lon/lat)."""
    if text is None:
        return None
    parts = text.split(",")
    if len(parts) != 4:
        raise InvalidQueryError("bbox must be four numbers: west,south,east,north")
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise InvalidQueryError("bbox must be four numbers: west,south,east,north") from None
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise InvalidQueryError("bbox values must be finite numbers")
    if not (
        -180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= 90 and -90 <= north <= 90
    ):
        raise InvalidQueryError("bbox is outside -180..180 longitude, -90..90 latitude")
    if south > north:
        raise InvalidQueryError("bbox south is greater than north")
    if west > east:
        raise InvalidQueryError("bbox west is greater than east (crossing 180° is not supported)")
    return (west, south, east, north)


def parse_sort(text: str | None) -> tuple[SortKey, ...]:
    """``height,-floors``: ascending unless the field has a leading '-'."""
    if text is None or not text.strip():
        return ()
    keys: list[SortKey] = []
    for part in text.split(","):
        name = part.strip()
        descending = name.startswith("-")
        name = name.lstrip("+-").strip()
        if not name:
            raise InvalidQueryError("sort has an empty field name")
        keys.append(SortKey(name, descending))
    if len(keys) > MAX_SORT_KEYS:
        raise InvalidQueryError(f"sort accepts at most {MAX_SORT_KEYS} fields")
    return tuple(keys)


def parse_polygon(text: str | None) -> bytes | None:
    """A WKT polygon or multipolygon in lon/lat, returned as WKB."""
    if text is None:
        return None
    if len(text) > MAX_POLYGON_CHARS:
        raise InvalidQueryError(f"polygon is longer than {MAX_POLYGON_CHARS} characters")
    try:
        geom = shapely.from_wkt(text)
    except (ShapelyError, ValueError):
        raise InvalidQueryError("polygon is not valid WKT") from None
    if geom is None or geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
        raise InvalidQueryError("polygon must be a non-empty WKT POLYGON or MULTIPOLYGON")
    if not shapely.is_valid(geom):
        raise InvalidQueryError("polygon is not a valid geometry (self-intersecting?)")
    west, south, east, north = geom.bounds
    if west < -180 or east > 180 or south < -90 or north > 90:
        raise InvalidQueryError("polygon is outside -180..180 longitude, -90..90 latitude")
    return bytes(shapely.to_wkb(geom))
