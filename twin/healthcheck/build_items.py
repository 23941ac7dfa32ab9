"""Records built from checked input fields, and changes applied to existing records.

The field names are the API's (English); imports map their columns onto them first."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from twin.healthcheck import inputs as f
from twin.healthcheck.records import (
    AREA_KINDS,
    COMPARISONS,
    PROBLEM_STATUSES,
    IndicatorValue,
    Problem,
    Project,
)
from twin.healthcheck.stages import Stages

PROBLEM_FIELDS = (
    "title",
    "indicator",
    "severity",
    "status",
    "department",
    "district",
    "due_date",
    "description",
    "geometry",
)
PROJECT_FIELDS = (
    "name",
    "stage",
    "percent",
    "district",
    "department",
    "budget",
    "start_date",
    "agreed_start_date",
    "geometry",
    "problem_ids",
)


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def build_indicator(fields: Mapping[str, Any], where: str = "") -> IndicatorValue:
    year = f.whole(fields, "year", where, 1900, 2200)
    if year is None:
        raise f.bad(where, "year", "is required")
    kind = f.text(fields, "area_kind", where) or "district"
    if kind not in AREA_KINDS:
        raise f.bad(where, "area_kind", f"{kind!r} is not one of {', '.join(AREA_KINDS)}")
    comparison = f.text(fields, "comparison", where) or ">="
    if comparison not in COMPARISONS:
        raise f.bad(where, "comparison", f"{comparison!r} is not >= or <=")
    return IndicatorValue(
        code=f.text(fields, "code", where, required=True),
        name=f.text(fields, "name", where, required=True),
        unit=f.text(fields, "unit", where),
        target=f.number(fields, "target", where),
        comparison=comparison,
        year=year,
        area=f.text(fields, "area", where, required=True),
        area_kind=kind,
        value=f.number(fields, "value", where),
        source=f.text(fields, "source", where),
    )


def _geometry(fields: Mapping[str, Any], where: str) -> dict[str, Any]:
    if "geometry" in fields and fields["geometry"] not in (None, ""):
        return f.geometry(fields["geometry"], where)
    point = f.point_geometry(fields, where)
    if point is None:
        raise f.bad(where, "geometry", "is required (a GeoJSON geometry, or lon and lat)")
    return point


def _severity(fields: Mapping[str, Any], where: str, default: int) -> int:
    value = f.whole(fields, "severity", where, 1, 3)
    return default if value is None else value


def build_problem(fields: Mapping[str, Any], where: str = "") -> Problem:
    """A new problem; status defaults to open (an import may bring any status)."""
    status = f.text(fields, "status", where) or "open"
    if status not in PROBLEM_STATUSES:
        raise f.bad(where, "status", f"{status!r} is not one of {', '.join(PROBLEM_STATUSES)}")
    return Problem(
        id=f.item_id(fields, "id", where) or new_id("prb"),
        title=f.text(fields, "title", where, required=True),
        indicator=f.text(fields, "indicator", where),
        severity=_severity(fields, where, 2),
        status=status,
        department=f.text(fields, "department", where),
        district=f.text(fields, "district", where),
        due_date=f.day(fields, "due_date", where),
        description=f.text(fields, "description", where),
        geometry=_geometry(fields, where),
    )


def patch_problem(p: Problem, fields: Mapping[str, Any], where: str = "") -> Problem:
    """``p`` with the given fields changed (the status change is checked by the store)."""
    changes: dict[str, Any] = {}
    for name in ("title", "indicator", "department", "district", "description"):
        if name in fields:
            changes[name] = f.text(fields, name, where, required=name == "title")
    if "severity" in fields:
        changes["severity"] = _severity(fields, where, p.severity)
    if "due_date" in fields:
        changes["due_date"] = f.day(fields, "due_date", where)
    if "status" in fields:
        changes["status"] = f.choice(fields, "status", where, PROBLEM_STATUSES)
    if "geometry" in fields:
        changes["geometry"] = f.geometry(fields["geometry"], where)
    return replace(p, **changes)


def _ids(fields: Mapping[str, Any], column: str, where: str) -> tuple[str, ...]:
    value = fields.get(column)
    if value is None or value == "":
        return ()
    items = value.replace("，", ",").split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise f.bad(where, column, "must be a list of ids")
    out = [f.item_id({column: str(i)}, column, where) for i in items]
    return tuple(dict.fromkeys(i for i in out if i))


def build_project(
    fields: Mapping[str, Any], stages: Stages, today: date, where: str = ""
) -> Project:
    stage = f.text(fields, "stage", where) or stages.first.code
    if stage not in stages.codes:
        raise f.bad(where, "stage", f"{stage!r} is not one of {', '.join(stages.codes)}")
    budget = f.number(fields, "budget", where)
    if budget is not None and budget < 0:
        raise f.bad(where, "budget", "must not be negative")
    return Project(
        id=f.item_id(fields, "id", where) or new_id("prj"),
        name=f.text(fields, "name", where, required=True),
        stage=stage,
        stage_started=f.day(fields, "stage_started", where) or today,
        percent=f.whole(fields, "percent", where, 0, 100) or 0,
        district=f.text(fields, "district", where),
        department=f.text(fields, "department", where),
        budget=budget,
        start_date=f.day(fields, "start_date", where),
        agreed_start_date=f.day(fields, "agreed_start_date", where),
        geometry=_geometry(fields, where),
        problem_ids=_ids(fields, "problem_ids", where),
    )


def patch_project(p: Project, fields: Mapping[str, Any], where: str = "") -> Project:
    """``p`` with the given fields changed (a stage change is checked by the store)."""
    changes: dict[str, Any] = {}
    for name in ("name", "district", "department"):
        if name in fields:
            changes[name] = f.text(fields, name, where, required=name == "name")
    if "stage" in fields:
        changes["stage"] = f.text(fields, "stage", where, required=True)
    if "percent" in fields:
        changes["percent"] = f.whole(fields, "percent", where, 0, 100) or 0
    if "budget" in fields:
        budget = f.number(fields, "budget", where)
        if budget is not None and budget < 0:
            raise f.bad(where, "budget", "must not be negative")
        changes["budget"] = budget
    for name in ("start_date", "agreed_start_date"):
        if name in fields:
            changes[name] = f.day(fields, name, where)
    if "geometry" in fields:
        changes["geometry"] = f.geometry(fields["geometry"], where)
    if "problem_ids" in fields:
        changes["problem_ids"] = _ids(fields, "problem_ids", where)
    return replace(p, **changes)
