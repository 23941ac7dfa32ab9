"""Checking input fields (from an API body or an imported row) into records.

Every refusal is an ``InvalidInputError`` naming the field and, for imports, the row:
``row 3, column severity: must be 1, 2 or 3``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import shapely
import shapely.geometry

from twin.errors import InvalidInputError

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
MAX_TEXT = 10_000


def bad(where: str, column: str, problem: str) -> InvalidInputError:
    place = f"{where}, column {column}" if where else column
    return InvalidInputError(f"{place}: {problem}", column=column)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(fields: Mapping[str, Any], column: str, where: str, *, required: bool = False) -> str:
    value = fields.get(column)
    if _blank(value):
        if required:
            raise bad(where, column, "is required")
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    out = str(value).strip()
    if len(out) > MAX_TEXT:
        raise bad(where, column, f"is longer than {MAX_TEXT} characters")
    return out


def item_id(fields: Mapping[str, Any], column: str, where: str) -> str | None:
    value = text(fields, column, where)
    if not value:
        return None
    if not ID_PATTERN.match(value):
        raise bad(where, column, f"{value[:40]!r} is not an id (letters, digits, '-' and '_')")
    return value


def number(fields: Mapping[str, Any], column: str, where: str) -> float | None:
    value: Any = fields.get(column)
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise bad(where, column, "must be a number")
    try:
        out = float(str(value).strip().replace(",", "")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise bad(where, column, f"{str(value)[:40]!r} is not a number") from None
    if not math.isfinite(out):
        raise bad(where, column, "must be a finite number")
    return out


def whole(fields: Mapping[str, Any], column: str, where: str, lo: int, hi: int) -> int | None:
    value = number(fields, column, where)
    if value is None:
        return None
    if not value.is_integer() or not lo <= value <= hi:
        raise bad(where, column, f"must be a whole number from {lo} to {hi}")
    return int(value)


def day(fields: Mapping[str, Any], column: str, where: str) -> date | None:
    value = fields.get(column)
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise bad(where, column, f"{str(value)[:40]!r} is not a date (YYYY-MM-DD)") from None


def choice(fields: Mapping[str, Any], column: str, where: str, allowed: tuple[str, ...]) -> str:
    value = text(fields, column, where)
    if value not in allowed:
        raise bad(where, column, f"{value[:40]!r} is not one of {', '.join(allowed)}")
    return value


def geometry(value: Any, where: str, column: str = "geometry") -> dict[str, Any]:
    """A GeoJSON geometry in WGS84 (a mapping, GeoJSON text or WKT), checked."""
    if _blank(value):
        raise bad(where, column, "is required")
    try:
        if isinstance(value, Mapping):
            shape = shapely.geometry.shape(dict(value))
        elif isinstance(value, str) and value.lstrip().startswith("{"):
            shape = shapely.geometry.shape(json.loads(value))
        elif isinstance(value, str):
            shape = shapely.from_wkt(value)
        else:
            raise bad(where, column, "must be a GeoJSON geometry")
    except (ValueError, TypeError, KeyError, AttributeError, shapely.errors.GEOSException):
        raise bad(where, column, "is not a valid GeoJSON or WKT geometry") from None
    if shape.is_empty:
        raise bad(where, column, "is empty")
    w, s, e, n = shape.bounds
    if not all(math.isfinite(c) for c in (w, s, e, n)):
        raise bad(where, column, "has coordinates that are not finite numbers")
    if w < -180 or e > 180 or s < -90 or n > 90:
        raise bad(where, column, "must be in WGS84 longitude/latitude (EPSG:4326)")
    if not shape.is_valid:
        raise bad(where, column, "is not a valid geometry (self-intersecting?)")
    return dict(shapely.geometry.mapping(shape))


def point_geometry(fields: Mapping[str, Any], where: str) -> dict[str, Any] | None:
    """A point from ``lon``/``lat`` fields, when both are given."""
    lon, lat = number(fields, "lon", where), number(fields, "lat", where)
    if lon is None and lat is None:
        return None
    if lon is None or lat is None:
        raise bad(where, "lon" if lon is None else "lat", "lon and lat are given together")
    return geometry({"type": "Point", "coordinates": [lon, lat]}, where)


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """``"w,s,e,n"`` in WGS84 → a tuple, or None; 400 when malformed."""
    if text is None or not text.strip():
        return None
    parts = text.split(",")
    try:
        w, s, e, n = (float(p) for p in parts)
    except ValueError:
        raise InvalidInputError("bbox: expected four numbers w,s,e,n", column="bbox") from None
    if not all(math.isfinite(c) for c in (w, s, e, n)) or w > e or s > n:
        raise InvalidInputError("bbox: expected w,s,e,n with w <= e and s <= n", column="bbox")
    return w, s, e, n
