"""Check a FeatureQuery against a layer's attribute schema, for any backend.

The result, a ``QueryPlan``, names only fields that exist, pairs each with its
type, and carries filter values already converted to that type, so that the
SQL builders of the backends never see anything unchecked:

* fields are the built-in columns (``BUILTIN_FIELDS``) or names of the layer's
  ``attribute_schema``; anything else raises ``InvalidQueryError`` naming it;
* ``integer``/``number`` values may be numbers or numeric strings, ``boolean``
  values booleans or "true"/"false", ``string`` values strings;
* ``like`` applies to strings only, ``<``-style comparisons not to booleans,
  ``in`` needs a list (at most ``MAX_IN_VALUES``);
* ``limit`` is 0..``MAX_LIMIT``, ``offset`` >= 0, at most ``MAX_SORT_KEYS`` keys.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.errors import GEOSException

from storage.catalog.cql2_plan import Expr, expression_window, plan_cql2
from storage.catalog.fields import BUILTIN_TYPES, FieldRef, resolve_field
from storage.catalog.fields import shown as _shown
from twin.domain import (
    FILTER_OPS,
    AttributeType,
    BBox,
    FeatureQuery,
    FilterOp,
)
from twin.errors import InvalidQueryError

MAX_LIMIT = 10_000
MAX_IN_VALUES = 1_000
MAX_SORT_KEYS = 8
#: the SQL operator of each comparison filter op (the same in SQLite and PostgreSQL)
SQL_COMPARISON: Mapping[str, str] = {
    "=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
}  # fmt: skip

_NULL_OPS = frozenset({"is_null", "is_not_null"})
_EQUALITY_OPS = frozenset({"=", "!=", "in"}) | _NULL_OPS
_ORDER_OPS = frozenset({"<", "<=", ">", ">="})
OPS_BY_TYPE: Mapping[AttributeType, frozenset[str]] = {
    "string": _EQUALITY_OPS | _ORDER_OPS | {"like"},
    "integer": _EQUALITY_OPS | _ORDER_OPS,
    "number": _EQUALITY_OPS | _ORDER_OPS,
    "boolean": _EQUALITY_OPS,
}


@dataclass(frozen=True)
class PlannedFilter:
    field: FieldRef
    op: FilterOp
    #: None for is_null/is_not_null, a tuple for in, else one converted value
    value: Any


@dataclass(frozen=True)
class PlannedSort:
    field: FieldRef
    descending: bool


@dataclass(frozen=True)
class QueryPlan:
    layer: str
    bbox: BBox | None
    #: the query polygon, 2D, prepared for repeated predicates
    polygon: shapely.Geometry | None
    filters: tuple[PlannedFilter, ...]
    sort: tuple[PlannedSort, ...]
    limit: int
    offset: int
    #: the checked CQL2 filter (``FeatureQuery.cql2``), ANDed with the filters above
    expression: Expr | None = None

    @property
    def polygon_wkb(self) -> bytes | None:
        if self.polygon is None:
            return None
        return bytes(shapely.to_wkb(self.polygon, output_dimension=2))

    def window(self) -> BBox | None:
        """The box every match's footprint bounds must meet, or None without a spatial filter."""
        boxes: list[BBox] = []
        if self.bbox is not None:
            boxes.append(self.bbox)
        if self.polygon is not None:
            w, s, e, n = (float(v) for v in shapely.bounds(self.polygon))
            boxes.append((w, s, e, n))
        if self.expression is not None:
            box = expression_window(self.expression)
            if box is not None:
                boxes.append(box)
        if not boxes:
            return None
        return (
            max(b[0] for b in boxes),
            max(b[1] for b in boxes),
            min(b[2] for b in boxes),
            min(b[3] for b in boxes),
        )


def plan_query(query: FeatureQuery, schema: Mapping[str, AttributeType]) -> QueryPlan:
    """Validate ``query`` for a layer with ``schema``; raise ``InvalidQueryError``."""
    if isinstance(query.limit, bool) or not isinstance(query.limit, int):
        raise InvalidQueryError("limit must be an integer")
    if not 0 <= query.limit <= MAX_LIMIT:
        raise InvalidQueryError(f"limit must be between 0 and {MAX_LIMIT}")
    if isinstance(query.offset, bool) or not isinstance(query.offset, int) or query.offset < 0:
        raise InvalidQueryError("offset must be an integer >= 0")
    if len(query.sort) > MAX_SORT_KEYS:
        raise InvalidQueryError(f"at most {MAX_SORT_KEYS} sort keys are allowed")
    filters = tuple(_plan_filter(f.field, f.op, f.value, schema) for f in query.filters)
    sort = tuple(
        PlannedSort(field=resolve_field(k.field, schema), descending=bool(k.descending))
        for k in query.sort
    )
    return QueryPlan(
        layer=query.layer,
        bbox=None if query.bbox is None else _check_bbox(query.bbox),
        polygon=None if query.polygon_wkb is None else _parse_polygon(query.polygon_wkb),
        filters=filters,
        sort=sort,
        limit=query.limit,
        offset=query.offset,
        expression=None if query.cql2 is None else plan_cql2(query.cql2, schema),
    )


def _plan_filter(
    name: object, op: object, value: object, schema: Mapping[str, AttributeType]
) -> PlannedFilter:
    ref = resolve_field(name, schema)
    if not isinstance(op, str) or op not in FILTER_OPS:
        raise InvalidQueryError(f"unknown operator for field {_shown(ref.name)}", field=ref.name)
    if op not in OPS_BY_TYPE[ref.type]:
        raise InvalidQueryError(
            f"operator {op!r} does not apply to {ref.type} field {_shown(ref.name)}",
            field=ref.name,
        )
    planned: Any
    if op in _NULL_OPS:
        planned = None
    elif op == "in":
        if not isinstance(value, list | tuple):
            raise InvalidQueryError(
                f"'in' on field {_shown(ref.name)} needs a list", field=ref.name
            )
        if len(value) > MAX_IN_VALUES:
            raise InvalidQueryError(
                f"'in' on field {_shown(ref.name)} takes at most {MAX_IN_VALUES} values",
                field=ref.name,
            )
        planned = tuple(_convert(ref, v) for v in value)
    else:
        planned = _convert(ref, value)
    return PlannedFilter(field=ref, op=op, value=planned)  # type: ignore[arg-type]


def _convert(ref: FieldRef, value: object) -> str | float | bool:
    bad = InvalidQueryError(
        f"value for {ref.type} field {_shown(ref.name)} is not a {ref.type}", field=ref.name
    )
    if ref.type == "string":
        if isinstance(value, str):
            return value
        raise bad
    if ref.type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
            return value.strip().lower() == "true"
        raise bad
    if isinstance(value, bool):
        raise bad
    number: float
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise bad from None
    else:
        raise bad
    if not math.isfinite(number):
        raise bad
    return number


def _check_bbox(bbox: object) -> BBox:
    if not isinstance(bbox, list | tuple) or len(bbox) != 4:
        raise InvalidQueryError("bbox must be west, south, east, north")
    try:
        w, s, e, n = (float(v) for v in bbox)
    except (TypeError, ValueError):
        raise InvalidQueryError("bbox must be four numbers") from None
    if not all(math.isfinite(v) for v in (w, s, e, n)):
        raise InvalidQueryError("bbox must be four finite numbers")
    if w > e or s > n:
        raise InvalidQueryError("bbox must have west <= east and south <= north")
    return (w, s, e, n)


def _parse_polygon(wkb: object) -> shapely.Geometry:
    if not isinstance(wkb, bytes | bytearray | memoryview):
        raise InvalidQueryError("polygon must be WKB bytes")
    try:
        geom = shapely.from_wkb(bytes(wkb))
    except GEOSException:
        raise InvalidQueryError("polygon is not valid WKB") from None
    if geom is None or geom.is_empty:
        raise InvalidQueryError("polygon is empty")
    geom = shapely.force_2d(geom)
    bounds = shapely.bounds(geom)
    if not all(math.isfinite(float(v)) for v in bounds):
        raise InvalidQueryError("polygon has non-finite coordinates")
    shapely.prepare(geom)
    return geom


__all__ = ["BUILTIN_TYPES", "FieldRef", "QueryPlan", "plan_query", "resolve_field"]
