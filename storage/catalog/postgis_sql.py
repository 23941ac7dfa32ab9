"""SQL fragments for the PostGIS catalog, built from a checked ``QueryPlan``.

Only constants of this module become SQL text; field names and values are bound
parameters. Attribute values are read with their JSON type (``jsonb_typeof``):
a value whose type does not fit the schema counts as NULL, numbers compare as
``double precision``, strings in the "C" collation (code point order, as on
SQLite), booleans as ``boolean``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from psycopg import sql

from storage.catalog.query_plan import SQL_COMPARISON, FieldRef, PlannedFilter, QueryPlan
from twin.domain import AttributeType

_COLUMNS: Mapping[str, str] = {
    "id": "f.id",
    "class": "f.class",
    "parent_id": "f.parent_id",
    "zmin": "f.zmin",
    "zmax": "f.zmax",
}
_ATTRIBUTE: Mapping[AttributeType, str] = {
    "string": (
        "((CASE WHEN jsonb_typeof(f.attributes -> %s::text) = 'string' "
        'THEN f.attributes ->> %s::text END) COLLATE "C")'
    ),
    "integer": (
        "(CASE WHEN jsonb_typeof(f.attributes -> %s::text) = 'number' "
        "THEN (f.attributes -> %s::text)::double precision END)"
    ),
    "number": (
        "(CASE WHEN jsonb_typeof(f.attributes -> %s::text) = 'number' "
        "THEN (f.attributes -> %s::text)::double precision END)"
    ),
    "boolean": (
        "(CASE WHEN jsonb_typeof(f.attributes -> %s::text) = 'boolean' "
        "THEN (f.attributes -> %s::text)::boolean END)"
    ),
}
_ARRAY_TYPES: Mapping[AttributeType, str] = {
    "string": "text[]",
    "integer": "double precision[]",
    "number": "double precision[]",
    "boolean": "boolean[]",
}

FEATURE_COLUMNS = sql.SQL(
    "f.layer_id, f.version, f.id, f.class, f.parent_id, f.attributes, ST_AsBinary(f.footprint), "
    "f.minx, f.miny, f.maxx, f.maxy, f.zmin, f.zmax, f.content_key"
)


@dataclass(frozen=True)
class Clause:
    sql: sql.Composable
    params: tuple[Any, ...] = ()


def _join(parts: list[Clause], separator: str) -> Clause:
    return Clause(
        sql.SQL(separator).join(p.sql for p in parts),
        tuple(v for p in parts for v in p.params),
    )


def field_expr(ref: FieldRef) -> Clause:
    if ref.builtin:
        return Clause(sql.SQL(_COLUMNS[ref.name]))
    return Clause(sql.SQL(_ATTRIBUTE[ref.type]), (ref.name, ref.name))


def filter_clause(flt: PlannedFilter) -> Clause:
    expr = field_expr(flt.field)
    if flt.op in ("is_null", "is_not_null"):
        suffix = " IS NULL" if flt.op == "is_null" else " IS NOT NULL"
        return Clause(sql.Composed([expr.sql, sql.SQL(suffix)]), expr.params)
    if flt.op == "in":
        values: tuple[Any, ...] = flt.value
        if not values:
            return Clause(sql.SQL("false"))
        tail = sql.SQL(" = ANY(%s::" + _ARRAY_TYPES[flt.field.type] + ")")
        return Clause(sql.Composed([expr.sql, tail]), (*expr.params, list(values)))
    if flt.op == "like":
        tail = sql.SQL(" LIKE %s ESCAPE '\\'")
        return Clause(sql.Composed([expr.sql, tail]), (*expr.params, flt.value))
    tail = sql.SQL(" " + SQL_COMPARISON[flt.op] + " %s")
    return Clause(sql.Composed([expr.sql, tail]), (*expr.params, flt.value))


def where_clause(plan: QueryPlan, version: int) -> Clause:
    """Conditions on ``features f``: layer version, exact spatial predicates, filters."""
    parts = [Clause(sql.SQL("f.layer_id = %s AND f.version = %s"), (plan.layer, version))]
    if plan.bbox is not None:
        parts.append(
            Clause(
                sql.SQL("ST_Intersects(f.footprint, ST_MakeEnvelope(%s, %s, %s, %s, 4326))"),
                plan.bbox,
            )
        )
    if plan.polygon is not None:
        parts.append(
            Clause(
                sql.SQL("ST_Intersects(f.footprint, ST_GeomFromWKB(%s::bytea, 4326))"),
                (plan.polygon_wkb,),
            )
        )
    parts.extend(filter_clause(f) for f in plan.filters)
    return _join(
        [Clause(sql.Composed([sql.SQL("("), p.sql, sql.SQL(")")]), p.params) for p in parts],
        " AND ",
    )


def order_clause(plan: QueryPlan) -> Clause:
    """ORDER BY terms: the sort keys (NULLs last), then id as the tie-breaker."""
    terms: list[Clause] = []
    for key in plan.sort:
        expr = field_expr(key.field)
        tail = sql.SQL(" DESC NULLS LAST" if key.descending else " ASC NULLS LAST")
        terms.append(Clause(sql.Composed([expr.sql, tail]), expr.params))
    terms.append(Clause(sql.SQL("f.id ASC")))
    return _join(terms, ", ")
