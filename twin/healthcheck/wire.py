"""Health-check items as the API returns them (and as overlay events carry them)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from typing_extensions import TypedDict  # pydantic (FastAPI responses) needs it on 3.11

from twin.healthcheck.records import HistoryEntry, IndicatorValue, Problem, Project
from twin.healthcheck.rules import compute_overdue, indicator_status, is_idle, problem_overdue
from twin.healthcheck.rules import stage_due as _stage_due
from twin.healthcheck.stages import Stages


class IndicatorOut(TypedDict):
    code: str
    name: str
    unit: str
    target: float | None
    comparison: str
    year: int
    area: str
    area_kind: str
    value: float | None
    source: str
    status: str | None


class StageLabel(TypedDict):
    zh: str
    en: str


class ProblemProps(TypedDict):
    id: str
    title: str
    indicator: str
    severity: int
    status: str
    department: str
    district: str
    due_date: str | None
    overdue: bool
    description: str
    photos: list[str]
    project_ids: list[str]


class ProjectProps(TypedDict):
    id: str
    name: str
    stage: str
    stage_label: StageLabel
    stage_started: str
    stage_due: str | None
    overdue: bool
    idle: bool
    percent: int
    district: str
    department: str
    budget: float | None
    start_date: str | None
    agreed_start_date: str | None
    problem_ids: list[str]
    photos: list[str]


class Feature(TypedDict):
    type: Literal["Feature"]
    id: str
    geometry: dict[str, Any]
    properties: Any


class FeatureCollection(TypedDict):
    type: Literal["FeatureCollection"]
    features: list[Feature]


def _day(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def indicator_out(v: IndicatorValue) -> IndicatorOut:
    return IndicatorOut(
        code=v.code,
        name=v.name,
        unit=v.unit,
        target=v.target,
        comparison=v.comparison,
        year=v.year,
        area=v.area,
        area_kind=v.area_kind,
        value=v.value,
        source=v.source,
        status=indicator_status(v.value, v.target, v.comparison),
    )


def photo_url(kind: str, item_id: str, name: str) -> str:
    return f"/api/{kind}/{item_id}/photos/{name}"


def problem_feature(p: Problem, today: date) -> Feature:
    props = ProblemProps(
        id=p.id,
        title=p.title,
        indicator=p.indicator,
        severity=p.severity,
        status=p.status,
        department=p.department,
        district=p.district,
        due_date=_day(p.due_date),
        overdue=problem_overdue(p, today),
        description=p.description,
        photos=[photo_url("problems", p.id, n) for n in p.photos],
        project_ids=list(p.project_ids),
    )
    return Feature(type="Feature", id=p.id, geometry=p.geometry, properties=props)


def project_feature(p: Project, stages: Stages, today: date) -> Feature:
    stage = stages.get(p.stage)
    props = ProjectProps(
        id=p.id,
        name=p.name,
        stage=p.stage,
        stage_label=StageLabel(zh=stage.zh, en=stage.en),
        stage_started=p.stage_started.isoformat(),
        stage_due=_day(_stage_due(p, stages)),
        overdue=compute_overdue(p, stages, today),
        idle=is_idle(p, today),
        percent=p.percent,
        district=p.district,
        department=p.department,
        budget=p.budget,
        start_date=_day(p.start_date),
        agreed_start_date=_day(p.agreed_start_date),
        problem_ids=list(p.problem_ids),
        photos=[photo_url("projects", p.id, n) for n in p.photos],
    )
    return Feature(type="Feature", id=p.id, geometry=p.geometry, properties=props)


def collection(features: list[Feature]) -> FeatureCollection:
    return FeatureCollection(type="FeatureCollection", features=features)


class HistoryOut(TypedDict):
    seq: int
    at: str
    actor: str
    action: str
    note: str
    stage: str | None
    percent: int | None
    photos: list[str]
    data: dict[str, Any]


def history_out(e: HistoryEntry) -> HistoryOut:
    stage, percent, photos = e.data.get("stage"), e.data.get("percent"), e.data.get("photos")
    return HistoryOut(
        seq=e.seq,
        at=e.at,
        actor=e.actor,
        action=e.action,
        note=e.note,
        stage=stage if isinstance(stage, str) else None,
        percent=percent if isinstance(percent, int) else None,
        photos=[str(p) for p in photos] if isinstance(photos, list) else [],
        data=e.data,
    )


class FlagChange(TypedDict):
    kind: Literal["problem", "project"]
    id: str
    action: str  # overdue, idle or flag_cleared
    flag: str | None


class SweepResult(TypedDict):
    as_of: str
    raised: list[FlagChange]
    cleared: list[FlagChange]


class ImportCounts(TypedDict):
    indicators: int
    problems: int
    projects: int
