"""Checks and conversions shared by the catalog backends (no I/O here)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, get_args

import numpy as np
import numpy.typing as npt
import shapely
from shapely.errors import GEOSException

from twin.domain import AttributeType, BBox, FeatureRecord, FeatureRows, LayerRecord
from twin.errors import IngestError, InvalidInputError

ATTRIBUTE_TYPES: frozenset[str] = frozenset(get_args(AttributeType))

#: user-safe message for rows the database refused (duplicate ids, bad JSON)
REFUSED_ROWS = "the features could not be stored: duplicate feature ids or invalid attributes"


def footprints_2d(rows: FeatureRows) -> npt.NDArray[np.object_]:
    """Check the shape of ``rows``; return its footprints parsed and flattened to 2D."""
    return _parse_2d(rows)[0]


def footprints_2d_wkb(rows: FeatureRows) -> tuple[npt.NDArray[np.object_], list[bytes]]:
    """``footprints_2d`` and their 2D WKB: the given bytes, re-encoded only if flattened."""
    flat, flattened = _parse_2d(rows)
    return flat, shapely.to_wkb(flat).tolist() if flattened else list(rows.footprints_wkb)


def _parse_2d(rows: FeatureRows) -> tuple[npt.NDArray[np.object_], bool]:
    n = len(rows.ids)
    columns: list[tuple[str, int]] = [
        ("classes", len(rows.classes)),
        ("parent_ids", len(rows.parent_ids)),
        ("attributes_json", len(rows.attributes_json)),
        ("footprints_wkb", len(rows.footprints_wkb)),
        ("zmin", len(rows.zmin)),
        ("zmax", len(rows.zmax)),
        ("content_keys", len(rows.content_keys)),
    ]
    for name, length in columns:
        if length != n:
            raise IngestError(f"feature rows: column {name} has {length} values, ids has {n}")
    bboxes = np.asarray(rows.bboxes, dtype=np.float64)
    if bboxes.shape != (n, 4):
        raise IngestError("feature rows: bboxes must have shape (n, 4)")
    for name, values in (("bboxes", bboxes), ("zmin", rows.zmin), ("zmax", rows.zmax)):
        if not np.isfinite(np.asarray(values, dtype=np.float64)).all():
            raise IngestError(f"feature rows: {name} must be finite")
    try:
        geoms = shapely.from_wkb(np.asarray(list(rows.footprints_wkb), dtype=object))
    except (GEOSException, TypeError, ValueError):
        raise IngestError("feature rows: a footprint is not valid WKB") from None
    if n and (shapely.is_missing(geoms).any() or shapely.is_empty(geoms).any()):
        raise IngestError("feature rows: every feature needs a non-empty footprint")
    flattened = bool(shapely.has_z(geoms).any())
    flat: npt.NDArray[np.object_] = shapely.force_2d(geoms) if flattened else geoms
    if n and not np.isfinite(shapely.bounds(flat)).all():
        raise IngestError("feature rows: footprints must have finite coordinates")
    return flat, flattened


def check_schema(schema: Mapping[str, AttributeType]) -> dict[str, AttributeType]:
    out: dict[str, AttributeType] = {}
    for name, kind in schema.items():
        if not isinstance(name, str) or not name:
            raise InvalidInputError("attribute names must be non-empty strings")
        if kind not in ATTRIBUTE_TYPES:
            raise InvalidInputError(f"attribute {name[:64]!r} has an unknown type")
        out[name] = kind
    return out


def check_metadata(metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    """Layer metadata must be a JSON object (finite numbers, string keys)."""
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping):
        raise InvalidInputError("layer metadata must be an object")
    try:
        text = json.dumps(dict(metadata), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        raise InvalidInputError(
            "layer metadata must be JSON (finite numbers, string keys)"
        ) from None
    out: dict[str, Any] = json.loads(text)
    return out


def check_extent(bbox: BBox, zmin: float, zmax: float) -> tuple[float, ...]:
    """Validate a published extent; return west, south, east, north, zmin, zmax."""
    try:
        values = tuple(float(v) for v in (*bbox, zmin, zmax))
    except (TypeError, ValueError):
        raise InvalidInputError("layer extent must be numbers") from None
    if len(values) != 6 or not all(math.isfinite(v) for v in values):
        raise InvalidInputError("layer extent must be a bbox of four finite numbers and a z range")
    return values


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def layer_record(row: Sequence[Any]) -> LayerRecord:
    """A ``layers`` row (id, kind, title, crs, west, south, east, north, zmin, zmax,
    current_version, tileset_key, feature_count, attribute_schema, updated_at, visible,
    metadata)."""
    (lid, kind, title, crs, w, s, e, n, zmin, zmax, version, key, count, schema, at, vis, meta) = (
        row
    )
    return LayerRecord(
        id=lid,
        kind=kind,
        title=title,
        crs=crs,
        bbox=None if None in (w, s, e, n) else (float(w), float(s), float(e), float(n)),
        zmin=_optional_float(zmin),
        zmax=_optional_float(zmax),
        version=None if version is None else int(version),
        tileset_key=key,
        feature_count=int(count),
        attribute_schema=json.loads(schema) if isinstance(schema, str) else dict(schema),
        updated_at=datetime.fromisoformat(at) if isinstance(at, str) else at,
        visible=bool(vis),
        metadata=json.loads(meta) if isinstance(meta, str) else dict(meta or {}),
    )


def feature_record(row: Sequence[Any]) -> FeatureRecord:
    """A ``features`` row (layer_id, version, id, class, parent_id, attributes, footprint WKB,
    minx, miny, maxx, maxy, zmin, zmax, content_key)."""
    (layer, version, fid, cls, parent, attrs, wkb, minx, miny, maxx, maxy, zmin, zmax, key) = row
    return FeatureRecord(
        id=fid,
        layer=layer,
        version=int(version),
        cls=cls,
        parent_id=parent,
        attributes=json.loads(attrs) if isinstance(attrs, str) else attrs,
        footprint_wkb=bytes(wkb),
        bbox=(float(minx), float(miny), float(maxx), float(maxy)),
        zmin=float(zmin),
        zmax=float(zmax),
        content_key=key,
    )
