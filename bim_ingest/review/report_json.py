"""The review report as JSON: keys ``indicators``, ``rules``, ``ids`` (and context)."""

from __future__ import annotations

from typing import Any, TypedDict

from bim_ingest.review.check_ids import IdsResult
from bim_ingest.review.indicators import Figure, Indicators
from bim_ingest.review.review_model import ReviewReport
from bim_ingest.review.rules import RuleResult


class FigureJson(TypedDict):
    value: float | None
    source: str


class StoreyJson(TypedDict):
    global_id: str
    name: str
    elevation_m: float
    height_m: float | None
    height_source: str
    below_ground: bool
    area_factor: float
    area_m2: float
    area_source: str
    quantity_set_m2: float | None
    counted_area_m2: float


class RuleJson(TypedDict):
    key: str
    status: str
    value: float | None
    limit: float
    unit: str
    elements: list[str]
    note: str


class IdsJson(TypedDict):
    name: str
    status: str
    applicable: int
    failed: list[str]
    description: str
    reasons: list[str]


def figure(f: Figure) -> FigureJson:
    return {"value": _round(f.value), "source": f.source}


def _round(v: float | None, digits: int = 6) -> float | None:
    return None if v is None else round(float(v), digits)


def indicators_json(ind: Indicators) -> dict[str, Any]:
    storeys: list[StoreyJson] = [
        {
            "global_id": a.storey.global_id,
            "name": a.storey.name,
            "elevation_m": round(a.storey.elevation_m, 4),
            "height_m": _round(a.storey.height_m, 4),
            "height_source": a.storey.height_source,
            "below_ground": a.storey.below_ground,
            "area_factor": a.storey.area_factor,
            "area_m2": round(a.area_m2, 4),
            "area_source": a.area_source,
            "quantity_set_m2": _round(a.quantity_set_m2, 4),
            "counted_area_m2": round(a.counted_m2, 4),
        }
        for a in ind.storeys
    ]
    return {
        "storeys": storeys,
        "gross_floor_area_m2": figure(ind.gross_floor_area),
        "counted_floor_area_m2": figure(ind.counted_floor_area),
        "site_area_m2": figure(ind.site_area),
        "far": figure(ind.far),
        "height_m": figure(ind.height),
        "height_to_parapet_m": figure(ind.height_to_parapet),
        "storeys_above_ground": ind.storeys_above,
        "storeys_below_ground": ind.storeys_below,
        "base_area_m2": figure(ind.base_area),
        "coverage": figure(ind.coverage),
        "green_area_m2": figure(ind.green_area),
        "green_ratio": figure(ind.green_ratio),
        "ground_level_m": {"value": round(ind.ground.z_m, 4), "source": ind.ground.source},
    }


def rule_json(r: RuleResult) -> RuleJson:
    return {
        "key": r.key,
        "status": r.status,
        "value": _round(r.value),
        "limit": r.limit,
        "unit": r.unit,
        "elements": list(r.elements),
        "note": r.note,
    }


def ids_json(r: IdsResult) -> IdsJson:
    return {
        "name": r.name,
        "status": r.status,
        "applicable": r.applicable,
        "failed": list(r.failed),
        "description": r.description,
        "reasons": list(r.reasons),
    }


def report_json(report: ReviewReport) -> dict[str, Any]:
    return {
        "model": report.model_name,
        "schema": report.schema,
        "passed": report.passed,
        "indicators": indicators_json(report.indicators),
        "rules": [rule_json(r) for r in report.rules],
        "ids": [ids_json(r) for r in report.ids],
        "georeference": report.georeference.to_dict() if report.georeference else None,
        "seconds": round(report.seconds, 3),
    }
