"""Compile a checked CQL2 expression (``cql2_plan``) to PostGIS SQL.

Values are bound parameters and the SQL text comes from constants of this module
and of ``postgis_sql``. Spatial predicates run on the GiST-indexed ``footprint``
(``ST_Intersects`` and friends use the index by themselves); temporal ones on
``twin_instant(text)`` (migration 0007). Strings compare in the "C" collation,
so ``LIKE`` is case-sensitive, with ``\\`` as its escape, as in CQL2.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from psycopg import sql

from storage.catalog.cql2_plan import (
    And,
    Between,
    Compare,
    Constant,
    Expr,
    InList,
    IsNull,
    Like,
    Not,
    Or,
    Spatial,
)
from storage.catalog.cql2_temporal import Temporal
from storage.catalog.postgis_sql import Clause, field_expr

_ARRAY_TYPES: Mapping[str, str] = {
    "string": "text[]",
    "integer": "double precision[]",
    "number": "double precision[]",
    "boolean": "boolean[]",
}
_SPATIAL: Mapping[str, str] = {
    "intersects": "ST_Intersects",
    "within": "ST_Within",
    "contains": "ST_Contains",
    "disjoint": "ST_Disjoint",
    "equals": "ST_Equals",
    "touches": "ST_Touches",
    "crosses": "ST_Crosses",
    "overlaps": "ST_Overlaps",
}


def _wrap(parts: list[Any]) -> sql.Composed:
    return sql.Composed([sql.SQL(p) if isinstance(p, str) else p for p in parts])


def compile_expression(expr: Expr) -> Clause:
    if isinstance(expr, And | Or):
        joiner = " AND " if isinstance(expr, And) else " OR "
        parts = [compile_expression(p) for p in expr.parts]
        body = sql.SQL(joiner).join(_wrap(["(", p.sql, ")"]) for p in parts)
        return Clause(body, tuple(v for p in parts for v in p.params))
    if isinstance(expr, Not):
        inner = compile_expression(expr.part)
        return Clause(_wrap(["NOT (", inner.sql, ")"]), inner.params)
    if isinstance(expr, Constant):
        return Clause(sql.SQL("true" if expr.value else "false"))
    if isinstance(expr, Spatial):
        call = _SPATIAL[expr.op] + "(f.footprint, ST_GeomFromWKB(%s::bytea, 4326))"
        return Clause(sql.SQL(call), (expr.wkb,))
    if isinstance(expr, Temporal):
        return _temporal(expr)
    field = field_expr(expr.field)
    negated = "NOT " if getattr(expr, "negated", False) else ""
    if isinstance(expr, Compare):
        return Clause(_wrap([field.sql, f" {expr.op} %s"]), (*field.params, expr.value))
    if isinstance(expr, Like):
        tail = f" {negated}LIKE %s ESCAPE '\\'"
        return Clause(_wrap([field.sql, tail]), (*field.params, expr.pattern))
    if isinstance(expr, InList):
        tail = " = ANY(%s::" + _ARRAY_TYPES[expr.field.type] + ")"
        clause = _wrap([negated, "(", field.sql, tail, ")"])
        return Clause(clause, (*field.params, list(expr.values)))
    if isinstance(expr, Between):
        tail = f" {negated}BETWEEN %s AND %s"
        return Clause(_wrap([field.sql, tail]), (*field.params, expr.low, expr.high))
    if isinstance(expr, IsNull):
        return Clause(_wrap([field.sql, f" IS {negated}NULL"]), field.params)
    raise AssertionError(f"unexpected expression {type(expr).__name__}")


def _temporal(expr: Temporal) -> Clause:
    field = field_expr(expr.field)
    instant = _wrap(["twin_instant(", field.sql, ")"])
    terms: list[sql.Composable] = []
    params: list[Any] = []
    if expr.lower is not None:
        terms.append(_wrap([instant, " >= %s" if expr.lower_inclusive else " > %s"]))
        params += [*field.params, expr.lower]
    if expr.upper is not None:
        terms.append(_wrap([instant, " <= %s" if expr.upper_inclusive else " < %s"]))
        params += [*field.params, expr.upper]
    if not terms:
        return Clause(_wrap([instant, " IS NOT NULL"]), field.params)
    return Clause(sql.SQL(" AND ").join(terms), tuple(params))
