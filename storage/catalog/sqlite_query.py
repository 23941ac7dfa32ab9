"""Feature queries on the SQLite catalog.

Without a spatial filter everything happens in SQL (COUNT + LIMIT/OFFSET). With
a bbox or polygon the R*Tree yields the candidates in query order, shapely keeps
those whose footprint really intersects (candidates whose indexed bounds lie
inside the bbox need no test), and the page is cut from the exact matches.
Callers run this inside one read transaction, so count and page agree.
"""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import shapely

from storage.catalog.cql2_sqlite import compile_expression
from storage.catalog.query_plan import QueryPlan
from storage.catalog.rows import feature_record
from storage.catalog.sqlite_sql import (
    FEATURE_COLUMNS,
    Clause,
    inside_clause,
    order_clause,
    where_clause,
)
from twin.domain import BBox, FeaturePage, FeatureRecord


def query_page(conn: sqlite3.Connection, plan: QueryPlan, version: int) -> FeaturePage:
    window = plan.window()
    if window is not None and (window[0] > window[2] or window[1] > window[3]):
        return FeaturePage(features=(), total=0, limit=plan.limit, offset=plan.offset)
    if window is None:
        return _plain_page(conn, plan, version)
    return _spatial_page(conn, plan, version)


def _conditions(plan: QueryPlan, version: int, window: BBox | None) -> Clause:
    """``where_clause`` and the plan's CQL2 expression (its spatial tests in SQL)."""
    where = where_clause(plan, version, window)
    if plan.expression is None:
        return where
    expr = compile_expression(plan.expression)
    return Clause(f"{where.sql} AND ({expr.sql})", (*where.params, *expr.params))


def _plain_page(conn: sqlite3.Connection, plan: QueryPlan, version: int) -> FeaturePage:
    where = _conditions(plan, version, None)
    order = order_clause(plan)
    # S608: every piece of SQL text below is a constant of sqlite_sql; values are bound
    count_sql = "SELECT count(*) FROM features f WHERE " + where.sql  # noqa: S608
    total = int(conn.execute(count_sql, where.params).fetchone()[0])
    records: tuple[FeatureRecord, ...] = ()
    if plan.limit > 0 and plan.offset < total:
        page_sql = (
            "SELECT " + FEATURE_COLUMNS + " FROM features f WHERE " + where.sql  # noqa: S608
            + " ORDER BY " + order.sql + " LIMIT ? OFFSET ?"
        )  # fmt: skip
        params = (*where.params, *order.params, plan.limit, plan.offset)
        records = tuple(feature_record(r) for r in conn.execute(page_sql, params))
    return FeaturePage(features=records, total=total, limit=plan.limit, offset=plan.offset)


def _spatial_page(conn: sqlite3.Connection, plan: QueryPlan, version: int) -> FeaturePage:
    window = plan.window()
    where = _conditions(plan, version, window)
    order = order_clause(plan)
    if plan.polygon is None and plan.bbox is not None:
        inside = inside_clause(plan.bbox)
        footprint = "CASE WHEN " + inside.sql + " THEN NULL ELSE f.footprint END"
        footprint_params = inside.params
    else:
        footprint, footprint_params = "f.footprint", ()
    candidates_sql = (
        "SELECT f.rid, " + footprint  # noqa: S608
        + " FROM features f JOIN features_rtree r ON r.id = f.rid WHERE " + where.sql
        + " ORDER BY " + order.sql
    )  # fmt: skip
    rows = conn.execute(candidates_sql, (*footprint_params, *where.params, *order.params))
    rids: list[int] = []
    wkbs: list[bytes | None] = []
    for rid, wkb in rows:
        rids.append(int(rid))
        wkbs.append(None if wkb is None else bytes(wkb))
    keep = _exact_matches(plan, wkbs)
    matched = [rid for rid, ok in zip(rids, keep, strict=True) if ok]
    page_rids = matched[plan.offset : plan.offset + plan.limit]
    by_rid: dict[int, FeatureRecord] = {}
    if page_rids:
        page_sql = (
            "SELECT f.rid, " + FEATURE_COLUMNS  # noqa: S608
            + " FROM features f WHERE f.rid IN (SELECT value FROM json_each(?))"
        )  # fmt: skip
        rows = conn.execute(page_sql, (json.dumps(page_rids),))
        by_rid = {int(r[0]): feature_record(r[1:]) for r in rows}
    records = tuple(by_rid[rid] for rid in page_rids)
    return FeaturePage(features=records, total=len(matched), limit=plan.limit, offset=plan.offset)


def _exact_matches(plan: QueryPlan, wkbs: list[bytes | None]) -> list[bool]:
    """Exact intersects of each candidate; None stands for "inside the bbox already"."""
    keep = np.ones(len(wkbs), dtype=bool)
    tested = np.array([w is not None for w in wkbs], dtype=bool)
    if not tested.any():
        return [bool(k) for k in keep]
    geoms = shapely.from_wkb(np.array([w for w in wkbs if w is not None], dtype=object))
    ok = np.ones(len(geoms), dtype=bool)
    if plan.bbox is not None:
        box = shapely.box(*plan.bbox)
        shapely.prepare(box)
        ok &= shapely.intersects(box, geoms)
    if plan.polygon is not None:
        ok &= shapely.intersects(plan.polygon, geoms)
    keep[tested] = ok
    return [bool(k) for k in keep]
