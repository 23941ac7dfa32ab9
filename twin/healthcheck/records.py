"""The health-check records passed between stages (store, rules, API, import, export)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

Comparison = Literal[">=", "<="]
AreaKind = Literal["district", "community"]
ProblemStatus = Literal["open", "in_progress", "rechecking", "closed"]
IndicatorStatus = Literal["green", "amber", "red"]

PROBLEM_STATUSES: tuple[ProblemStatus, ...] = ("open", "in_progress", "rechecking", "closed")
COMPARISONS: tuple[Comparison, ...] = (">=", "<=")
AREA_KINDS: tuple[AreaKind, ...] = ("district", "community")


@dataclass(frozen=True)
class IndicatorValue:
    """One indicator's value for one area and year (a row of 一张表)."""

    code: str
    name: str
    unit: str
    target: float | None
    comparison: Comparison
    year: int
    area: str
    area_kind: AreaKind
    value: float | None
    source: str

    @property
    def key(self) -> str:
        return f"{self.code}/{self.year}/{self.area}"


@dataclass(frozen=True)
class Problem:
    """A problem patch (问题图斑) found by the check; ``geometry`` is GeoJSON in WGS84."""

    id: str
    title: str
    indicator: str
    severity: int
    status: ProblemStatus
    department: str
    district: str
    due_date: date | None
    description: str
    geometry: dict[str, Any]
    photos: tuple[str, ...] = ()  # file names under the problem's photo prefix
    project_ids: tuple[str, ...] = ()
    overdue_flag: str | None = None  # the overdue condition last announced by the sweep


@dataclass(frozen=True)
class Project:
    """A renewal project in its land lifecycle; ``geometry`` is GeoJSON in WGS84."""

    id: str
    name: str
    stage: str
    stage_started: date
    percent: int
    district: str
    department: str
    budget: float | None
    start_date: date | None
    agreed_start_date: date | None
    geometry: dict[str, Any]
    photos: tuple[str, ...] = ()
    problem_ids: tuple[str, ...] = ()
    completed_on: date | None = None  # the day it reached the completing stage
    overdue_flag: str | None = None


@dataclass(frozen=True)
class HistoryEntry:
    seq: int
    at: str
    item_kind: str
    item_id: str
    actor: str
    action: str
    note: str
    data: dict[str, Any]
