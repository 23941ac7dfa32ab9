"""The command centre's summary: counts per district, flagged places, indicator colours."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Literal

import shapely.geometry
from typing_extensions import TypedDict  # pydantic (FastAPI responses) needs it on 3.11

from twin.healthcheck.records import IndicatorValue, Problem, Project
from twin.healthcheck.rules import (
    compute_overdue,
    indicator_status,
    is_idle,
    one_year_after,
    problem_overdue,
    stage_due,
)
from twin.healthcheck.stages import Stages

MAX_FLAGGED = 50
Reason = Literal["overdue", "idle", "severity"]
_URGENCY: dict[str, int] = {"overdue": 0, "idle": 1, "severity": 2}


class Counts(TypedDict):
    problems_open: int
    problems_overdue: int
    projects_active: int
    projects_overdue: int
    projects_idle: int


class DistrictCounts(Counts):
    district: str


class Flagged(TypedDict):
    kind: Literal["problem", "project"]
    id: str
    title: str
    reason: Reason
    lon: float
    lat: float


class IndicatorColours(TypedDict):
    green: int
    amber: int
    red: int
    none: int


class SummaryOut(TypedDict):
    as_of: str
    totals: Counts
    districts: list[DistrictCounts]
    flagged: list[Flagged]
    indicators: IndicatorColours


def _zero() -> Counts:
    return Counts(
        problems_open=0,
        problems_overdue=0,
        projects_active=0,
        projects_overdue=0,
        projects_idle=0,
    )


def _count(
    counts: Counts,
    problems: Iterable[Problem],
    projects: Iterable[Project],
    stages: Stages,
    today: date,
) -> None:
    for p in problems:
        if p.status != "closed":
            counts["problems_open"] += 1
        if problem_overdue(p, today):
            counts["problems_overdue"] += 1
    for j in projects:
        if not stages.is_complete(j.stage):
            counts["projects_active"] += 1
        if compute_overdue(j, stages, today):
            counts["projects_overdue"] += 1
        if is_idle(j, today):
            counts["projects_idle"] += 1


def _point(geometry: dict[str, object]) -> tuple[float, float]:
    point = shapely.geometry.shape(geometry).representative_point()
    return round(float(point.x), 7), round(float(point.y), 7)


def _late(since: date | None, today: date) -> int:
    return (today - since).days if since is not None else 0


def _flagged(
    problems: Sequence[Problem], projects: Sequence[Project], stages: Stages, today: date
) -> list[Flagged]:
    """Overdue, then idle, then severe: the longest late first, then the most severe."""
    found: list[tuple[tuple[int, int, int, str], Flagged]] = []
    for p in problems:
        reason: Reason | None = None
        if problem_overdue(p, today):
            reason = "overdue"
        elif p.status != "closed" and p.severity >= 3:
            reason = "severity"
        if reason is not None:
            lon, lat = _point(p.geometry)
            item = Flagged(kind="problem", id=p.id, title=p.title, reason=reason, lon=lon, lat=lat)
            late = _late(p.due_date, today) if reason == "overdue" else 0
            found.append(((_URGENCY[reason], -late, -p.severity, p.id), item))
    for j in projects:
        why: Reason | None = None
        late = 0
        if compute_overdue(j, stages, today):
            why, late = "overdue", _late(stage_due(j, stages), today)
        elif is_idle(j, today) and j.agreed_start_date is not None:
            why, late = "idle", _late(one_year_after(j.agreed_start_date), today)
        if why is not None:
            lon, lat = _point(j.geometry)
            item = Flagged(kind="project", id=j.id, title=j.name, reason=why, lon=lon, lat=lat)
            found.append(((_URGENCY[why], -late, 0, j.id), item))
    found.sort(key=lambda pair: pair[0])
    return [item for _, item in found[:MAX_FLAGGED]]


def latest_values(values: Iterable[IndicatorValue]) -> list[IndicatorValue]:
    """Each indicator's value of its latest year, per area."""
    latest: dict[tuple[str, str], IndicatorValue] = {}
    for v in values:
        key = (v.code, v.area)
        if key not in latest or latest[key].year < v.year:
            latest[key] = v
    return sorted(latest.values(), key=lambda v: (v.code, v.area))


def _colours(values: Iterable[IndicatorValue]) -> IndicatorColours:
    out = IndicatorColours(green=0, amber=0, red=0, none=0)
    for v in latest_values(values):
        status = indicator_status(v.value, v.target, v.comparison)
        out[status if status is not None else "none"] += 1
    return out


def build_summary(
    problems: Sequence[Problem],
    projects: Sequence[Project],
    indicators: Sequence[IndicatorValue],
    stages: Stages,
    today: date,
    district: str | None = None,
) -> SummaryOut:
    """The summary as of ``today``; ``district`` narrows every part to one district."""
    if district is not None:
        problems = [p for p in problems if p.district == district]
        projects = [j for j in projects if j.district == district]
        indicators = [v for v in indicators if v.area == district]
    totals = _zero()
    _count(totals, problems, projects, stages, today)
    names = sorted({p.district for p in problems} | {j.district for j in projects})
    districts: list[DistrictCounts] = []
    for name in names:
        counts = _zero()
        _count(
            counts,
            (p for p in problems if p.district == name),
            (j for j in projects if j.district == name),
            stages,
            today,
        )
        districts.append(DistrictCounts(district=name, **counts))
    return SummaryOut(
        as_of=today.isoformat(),
        totals=totals,
        districts=districts,
        flagged=_flagged(problems, projects, stages, today),
        indicators=_colours(indicators),
    )
