"""Rows of the hc_* tables ↔ health-check records, on both catalog backends.

Dates go in as ``date`` (PostgreSQL) or ISO text (SQLite) and come back as either;
JSON columns are text on SQLite and jsonb on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import shapely.geometry

from twin.healthcheck.records import HistoryEntry, IndicatorValue, Problem, Project

INDICATOR_COLS = "code, name, unit, target, comparison, year, area, area_kind, value, source"
PROBLEM_COLS = (
    "id, title, indicator, severity, status, department, district, due_date, description, "
    "geometry, photos, overdue_flag"
)
PROJECT_COLS = (
    "id, name, stage, stage_started, percent, district, department, budget, start_date, "
    "agreed_start_date, completed_on, geometry, photos, overdue_flag"
)
HISTORY_COLS = "seq, at, item_kind, item_id, actor, action, note, data"

# S608: every piece of SQL text below is a constant; values are bound parameters
SELECT_INDICATORS = "SELECT " + INDICATOR_COLS + " FROM hc_indicators"  # noqa: S608
SELECT_PROBLEMS = "SELECT " + PROBLEM_COLS + " FROM hc_problems"  # noqa: S608
SELECT_PROJECTS = "SELECT " + PROJECT_COLS + " FROM hc_projects"  # noqa: S608
SELECT_HISTORY = (
    "SELECT " + HISTORY_COLS + " FROM hc_history WHERE item_kind = ? AND item_id = ? "  # noqa: S608
    "ORDER BY seq"
)
INSERT_PROBLEM = (
    "INSERT INTO hc_problems (" + PROBLEM_COLS + ", minx, miny, maxx, maxy, created_at, "  # noqa: S608
    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_PROJECT = (
    "INSERT INTO hc_projects (" + PROJECT_COLS + ", minx, miny, maxx, maxy, created_at, "  # noqa: S608
    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
UPDATE_PROBLEM = (
    "UPDATE hc_problems SET title = ?, indicator = ?, severity = ?, status = ?, "
    "department = ?, district = ?, due_date = ?, description = ?, geometry = ?, photos = ?, "
    "overdue_flag = ?, minx = ?, miny = ?, maxx = ?, maxy = ?, updated_at = ? WHERE id = ?"
)
UPDATE_PROJECT = (
    "UPDATE hc_projects SET name = ?, stage = ?, stage_started = ?, percent = ?, "
    "district = ?, department = ?, budget = ?, start_date = ?, agreed_start_date = ?, "
    "completed_on = ?, geometry = ?, photos = ?, overdue_flag = ?, minx = ?, miny = ?, "
    "maxx = ?, maxy = ?, updated_at = ? WHERE id = ?"
)
UPSERT_INDICATOR = (
    "INSERT INTO hc_indicators (" + INDICATOR_COLS + ", updated_at, updated_by) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code, year, area) DO UPDATE "
    "SET name = excluded.name, unit = excluded.unit, target = excluded.target, "
    "comparison = excluded.comparison, area_kind = excluded.area_kind, "
    "value = excluded.value, source = excluded.source, "
    "updated_at = excluded.updated_at, updated_by = excluded.updated_by"
)


def from_json(value: Any) -> Any:
    if value is None or isinstance(value, dict | list):
        return value
    return json.loads(value)


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def to_day(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def stamp_text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return str(value)


def day_param(value: date | None, qmark: bool) -> Any:
    if value is None:
        return None
    return value.isoformat() if qmark else value


def bbox(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    w, s, e, n = shapely.geometry.shape(geometry).bounds
    return float(w), float(s), float(e), float(n)


def indicator(row: Sequence[Any]) -> IndicatorValue:
    return IndicatorValue(
        code=str(row[0]),
        name=str(row[1]),
        unit=str(row[2]),
        target=None if row[3] is None else float(row[3]),
        comparison=row[4],
        year=int(row[5]),
        area=str(row[6]),
        area_kind=row[7],
        value=None if row[8] is None else float(row[8]),
        source=str(row[9]),
    )


def problem(row: Sequence[Any], project_ids: Sequence[str] = ()) -> Problem:
    return Problem(
        id=str(row[0]),
        title=str(row[1]),
        indicator=str(row[2]),
        severity=int(row[3]),
        status=row[4],
        department=str(row[5]),
        district=str(row[6]),
        due_date=to_day(row[7]),
        description=str(row[8]),
        geometry=from_json(row[9]),
        photos=tuple(str(p) for p in from_json(row[10])),
        project_ids=tuple(project_ids),
        overdue_flag=row[11],
    )


def project(row: Sequence[Any], problem_ids: Sequence[str] = ()) -> Project:
    started = to_day(row[3])
    assert started is not None
    return Project(
        id=str(row[0]),
        name=str(row[1]),
        stage=str(row[2]),
        stage_started=started,
        percent=int(row[4]),
        district=str(row[5]),
        department=str(row[6]),
        budget=None if row[7] is None else float(row[7]),
        start_date=to_day(row[8]),
        agreed_start_date=to_day(row[9]),
        completed_on=to_day(row[10]),
        geometry=from_json(row[11]),
        photos=tuple(str(p) for p in from_json(row[12])),
        problem_ids=tuple(problem_ids),
        overdue_flag=row[13],
    )


def history(row: Sequence[Any]) -> HistoryEntry:
    return HistoryEntry(
        seq=int(row[0]),
        at=stamp_text(row[1]),
        item_kind=str(row[2]),
        item_id=str(row[3]),
        actor=str(row[4]),
        action=str(row[5]),
        note=str(row[6]),
        data=from_json(row[7]) or {},
    )


def indicator_params(v: IndicatorValue) -> tuple[Any, ...]:
    return (
        v.code,
        v.name,
        v.unit,
        v.target,
        v.comparison,
        v.year,
        v.area,
        v.area_kind,
        v.value,
        v.source,
    )


def problem_params(p: Problem, qmark: bool) -> tuple[Any, ...]:
    """The values of PROBLEM_COLS, then minx, miny, maxx, maxy."""
    return (
        p.id,
        p.title,
        p.indicator,
        p.severity,
        p.status,
        p.department,
        p.district,
        day_param(p.due_date, qmark),
        p.description,
        to_json(p.geometry),
        to_json(list(p.photos)),
        p.overdue_flag,
        *bbox(p.geometry),
    )


def project_params(p: Project, qmark: bool) -> tuple[Any, ...]:
    """The values of PROJECT_COLS, then minx, miny, maxx, maxy."""
    return (
        p.id,
        p.name,
        p.stage,
        day_param(p.stage_started, qmark),
        p.percent,
        p.district,
        p.department,
        p.budget,
        day_param(p.start_date, qmark),
        day_param(p.agreed_start_date, qmark),
        day_param(p.completed_on, qmark),
        to_json(p.geometry),
        to_json(list(p.photos)),
        p.overdue_flag,
        *bbox(p.geometry),
    )
