"""SQL fragments for the SQLite catalog, built from a checked ``QueryPlan``.

Only constants of this module are ever written into SQL text; field names and
values travel as bound parameters (JSON paths ``$."name"``). Attribute values
are read with their JSON type: a value whose JSON type does not fit the schema
type counts as NULL, so numbers compare as numbers and strings as strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from storage.catalog.query_plan import SQL_COMPARISON, FieldRef, PlannedFilter, QueryPlan
from twin.domain import AttributeType, BBox
from twin.errors import InvalidQueryError

_COLUMNS: Mapping[str, str] = {
    "id": "f.id",
    "class": "f.class",
    "parent_id": "f.parent_id",
    "zmin": "f.zmin",
    "zmax": "f.zmax",
}
_JSON_TYPES: Mapping[AttributeType, str] = {
    "string": "('text')",
    "integer": "('integer', 'real')",
    "number": "('integer', 'real')",
    "boolean": "('true', 'false')",
}

FEATURE_COLUMNS = (
    "f.layer_id, f.version, f.id, f.class, f.parent_id, f.attributes, f.footprint, "
    "f.minx, f.miny, f.maxx, f.maxy, f.zmin, f.zmax, f.content_key"
)


@dataclass(frozen=True)
class Clause:
    sql: str
    params: tuple[Any, ...] = ()


def json_path(name: str) -> str:
    """The SQLite JSON path of top-level key ``name``."""
    if '"' in name or "\\" in name:
        raise InvalidQueryError(
            f"field {name[:64]!r} cannot be queried on this catalog", field=name[:64]
        )
    return f'$."{name}"'


def field_expr(ref: FieldRef) -> Clause:
    if ref.builtin:
        return Clause(_COLUMNS[ref.name])
    path = json_path(ref.name)
    sql = (
        "(CASE WHEN json_type(f.attributes, ?) IN "
        + _JSON_TYPES[ref.type]
        + " THEN json_extract(f.attributes, ?) END)"
    )
    return Clause(sql, (path, path))


def filter_clause(flt: PlannedFilter) -> Clause:
    expr = field_expr(flt.field)
    if flt.op == "is_null":
        return Clause(f"{expr.sql} IS NULL", expr.params)
    if flt.op == "is_not_null":
        return Clause(f"{expr.sql} IS NOT NULL", expr.params)
    if flt.op == "in":
        values: tuple[Any, ...] = flt.value
        if not values:
            return Clause("0")
        marks = ", ".join("?" for _ in values)
        return Clause(f"{expr.sql} IN ({marks})", expr.params + values)
    if flt.op == "like":
        return Clause(f"{expr.sql} LIKE ? ESCAPE '\\'", (*expr.params, flt.value))
    return Clause(f"{expr.sql} {SQL_COMPARISON[flt.op]} ?", (*expr.params, flt.value))


def where_clause(plan: QueryPlan, version: int, window: BBox | None) -> Clause:
    """Conditions on ``features f`` (joined to ``features_rtree r`` when ``window``)."""
    parts = [Clause("f.layer_id = ? AND f.version = ?", (plan.layer, version))]
    if window is not None:
        w, s, e, n = window
        parts.append(
            Clause("r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ?", (e, w, n, s))
        )
    parts.extend(filter_clause(f) for f in plan.filters)
    return Clause(
        " AND ".join(f"({p.sql})" for p in parts),
        tuple(v for p in parts for v in p.params),
    )


def order_clause(plan: QueryPlan) -> Clause:
    """ORDER BY terms: the sort keys (NULLs last), then id as the tie-breaker."""
    terms: list[Clause] = []
    for key in plan.sort:
        expr = field_expr(key.field)
        direction = "DESC" if key.descending else "ASC"
        terms.append(Clause(f"{expr.sql} {direction} NULLS LAST", expr.params))
    terms.append(Clause("f.id ASC"))
    return Clause(", ".join(t.sql for t in terms), tuple(v for t in terms for v in t.params))


def inside_clause(bbox: BBox) -> Clause:
    """True when the indexed bounds (rounded outwards) lie inside ``bbox``."""
    w, s, e, n = bbox
    return Clause("r.minx >= ? AND r.maxx <= ? AND r.miny >= ? AND r.maxy <= ?", (w, e, s, n))
