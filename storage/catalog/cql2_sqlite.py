"""Compile a checked CQL2 expression (``cql2_plan``) to SQLite SQL.

Values travel as bound parameters; the SQL text is built from constants only.
Spatial predicates call ``twin_spatial(op, footprint, geometry)`` and temporal
ones ``twin_instant(text)``, functions that ``register_functions`` adds to a
connection (shapely does the exact geometry tests; the caller prefilters with
the R*Tree by ``expression_window``). ``LIKE`` is case-sensitive
(``PRAGMA case_sensitive_like``) with ``\\`` as its escape, as in CQL2.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Callable, Mapping
from threading import Lock
from typing import Any

import shapely

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
from storage.catalog.cql2_temporal import Temporal, format_key, instant_key
from storage.catalog.sqlite_sql import Clause, field_expr

_CACHED_GEOMETRIES = 64
#: predicate(query geometry, footprint) of each ``op(footprint, query geometry)``: the
#: prepared query geometry goes first, so ``within`` is tested as ``contains`` and so on
_PREDICATES: Mapping[str, Callable[[Any, Any], Any]] = {
    "intersects": shapely.intersects,
    "within": shapely.contains,
    "contains": shapely.within,
    "disjoint": shapely.disjoint,
    "equals": shapely.equals,
    "touches": shapely.touches,
    "crosses": shapely.crosses,
    "overlaps": shapely.overlaps,
}


def compile_expression(expr: Expr) -> Clause:
    if isinstance(expr, And | Or):
        joiner = " AND " if isinstance(expr, And) else " OR "
        parts = [compile_expression(p) for p in expr.parts]
        return Clause(
            joiner.join(f"({p.sql})" for p in parts), tuple(v for p in parts for v in p.params)
        )
    if isinstance(expr, Not):
        inner = compile_expression(expr.part)
        return Clause(f"NOT ({inner.sql})", inner.params)
    if isinstance(expr, Constant):
        return Clause("1" if expr.value else "0")
    if isinstance(expr, Spatial):
        return Clause("twin_spatial(?, f.footprint, ?)", (expr.op, expr.wkb))
    if isinstance(expr, Temporal):
        return _temporal(expr)
    field = field_expr(expr.field)
    if isinstance(expr, Compare):
        return Clause(f"{field.sql} {expr.op} ?", (*field.params, expr.value))
    if isinstance(expr, Like):
        negated = "NOT " if expr.negated else ""
        return Clause(f"{field.sql} {negated}LIKE ? ESCAPE '\\'", (*field.params, expr.pattern))
    if isinstance(expr, InList):
        marks = ", ".join("?" for _ in expr.values)
        negated = "NOT " if expr.negated else ""
        return Clause(f"{field.sql} {negated}IN ({marks})", (*field.params, *expr.values))
    if isinstance(expr, Between):
        negated = "NOT " if expr.negated else ""
        return Clause(f"{field.sql} {negated}BETWEEN ? AND ?", (*field.params, expr.low, expr.high))
    if isinstance(expr, IsNull):
        return Clause(f"{field.sql} IS {'NOT ' if expr.negated else ''}NULL", field.params)
    raise AssertionError(f"unexpected expression {type(expr).__name__}")


def _temporal(expr: Temporal) -> Clause:
    field = field_expr(expr.field)
    instant = f"twin_instant({field.sql})"
    terms: list[str] = []
    params: list[Any] = []
    if expr.lower is not None:
        terms.append(f"{instant} {'>=' if expr.lower_inclusive else '>'} ?")
        params += [*field.params, format_key(expr.lower)]
    if expr.upper is not None:
        terms.append(f"{instant} {'<=' if expr.upper_inclusive else '<'} ?")
        params += [*field.params, format_key(expr.upper)]
    if not terms:
        return Clause(f"{instant} IS NOT NULL", field.params)
    return Clause(" AND ".join(terms), tuple(params))


class _Geometries:
    """Parsed and prepared query geometries by WKB (a filter names few; rows are many)."""

    def __init__(self) -> None:
        self._lock = Lock()
        self._by_wkb: OrderedDict[bytes, shapely.Geometry] = OrderedDict()

    def get(self, wkb: bytes) -> shapely.Geometry:
        with self._lock:
            geom = self._by_wkb.get(wkb)
            if geom is not None:
                self._by_wkb.move_to_end(wkb)
                return geom
        geom = shapely.from_wkb(wkb)
        shapely.prepare(geom)
        with self._lock:
            self._by_wkb[wkb] = geom
            while len(self._by_wkb) > _CACHED_GEOMETRIES:
                self._by_wkb.popitem(last=False)
        return geom


def register_functions(conn: sqlite3.Connection) -> None:
    """Add ``twin_spatial`` and ``twin_instant`` to ``conn``."""
    geometries = _Geometries()

    def spatial(op: str, footprint: bytes | None, wkb: bytes | None) -> int | None:
        if footprint is None or wkb is None:
            return None
        predicate = _PREDICATES[op]
        return int(bool(predicate(geometries.get(wkb), shapely.from_wkb(footprint))))

    conn.create_function("twin_spatial", 3, spatial, deterministic=True)
    conn.create_function("twin_instant", 1, instant_key, deterministic=True)
