"""Planning conditions evaluated against the indicators: pass / fail / not applicable,
each with its value, its limit and the GlobalIds of the elements that break it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import shapely

from bim_ingest.review.element_shapes import ElementShape
from bim_ingest.review.indicators import Indicators
from bim_ingest.review.ruleset import Ruleset

Status = Literal["pass", "fail", "not-applicable"]


@dataclass(frozen=True)
class RuleResult:
    key: str  # the ruleset key, e.g. "max_height_m"
    status: Status
    value: float | None
    limit: float
    unit: str
    elements: tuple[str, ...]  # GlobalIds of offending elements (or of the measured ones)
    note: str


def evaluate_rules(
    rules: Ruleset,
    ind: Indicators,
    shapes: Sequence[ElementShape],
    red_line: shapely.Geometry | None,
    building_ids: Sequence[str],
) -> list[RuleResult]:
    out: list[RuleResult] = []
    if rules.max_height_m is not None:
        out.append(_max_height(rules, ind, shapes))
    if rules.max_far is not None:
        out.append(_compare("max_far", ind.far.value, rules.max_far, "", tuple(building_ids)))
    if rules.min_far is not None:
        out.append(
            _compare("min_far", ind.far.value, rules.min_far, "", tuple(building_ids), low=True)
        )
    if rules.max_coverage is not None:
        out.append(
            _compare(
                "max_coverage",
                ind.coverage.value,
                rules.max_coverage,
                "",
                ind.base_area.element_ids,
            )
        )
    if rules.min_green_ratio is not None:
        out.append(
            _compare(
                "min_green_ratio",
                ind.green_ratio.value,
                rules.min_green_ratio,
                "",
                ind.green_area.element_ids,
                low=True,
                missing="no site area"
                if ind.site_area.value is None
                else "no green spaces are modelled",
            )
        )
    if rules.setback_m is not None:
        out.append(_setback(rules.setback_m, shapes, ind, red_line))
    if rules.max_storeys is not None:
        above = sorted(
            (a for a in ind.storeys if not a.storey.below_ground and a.area_m2 > 0),
            key=lambda a: a.storey.elevation_m,
        )
        extra = tuple(a.storey.global_id for a in above[rules.max_storeys :])
        status: Status = "fail" if extra else "pass"
        out.append(
            RuleResult(
                "max_storeys",
                status,
                float(len(above)),
                float(rules.max_storeys),
                "storeys",
                extra,
                "storeys above ground with floor area",
            )
        )
    return out


def _compare(
    key: str,
    value: float | None,
    limit: float,
    unit: str,
    elements: tuple[str, ...],
    *,
    low: bool = False,
    missing: str = "no site area",
) -> RuleResult:
    if value is None:
        return RuleResult(key, "not-applicable", None, limit, unit, (), missing)
    failed = value < limit - 1e-9 if low else value > limit + 1e-9
    return RuleResult(
        key, "fail" if failed else "pass", value, limit, unit, elements if failed else (), ""
    )


def _max_height(rules: Ruleset, ind: Indicators, shapes: Sequence[ElementShape]) -> RuleResult:
    limit = float(rules.max_height_m or 0.0)
    figure = ind.height_to_parapet if rules.height_includes_parapet else ind.height
    if figure.value is None:
        return RuleResult("max_height_m", "not-applicable", None, limit, "m", (), figure.source)
    ceiling = ind.ground.z_m + limit
    measured = set(figure.element_ids)
    if rules.height_includes_parapet:
        offending = tuple(s.global_id for s in shapes if s.zmax > ceiling + 1e-6)
    else:
        roofs = set(ind.roof_elements)
        offending = tuple(
            s.global_id
            for s in shapes
            if (s.global_id in roofs or s.global_id in measured) and s.zmax > ceiling + 1e-6
        )
    status: Status = "fail" if figure.value > limit + 1e-9 else "pass"
    note = "to the parapet" if rules.height_includes_parapet else "to the roof"
    return RuleResult(
        "max_height_m",
        status,
        figure.value,
        limit,
        "m",
        offending if status == "fail" else (),
        note,
    )


def _setback(
    limit: float, shapes: Sequence[ElementShape], ind: Indicators, red_line: shapely.Geometry | None
) -> RuleResult:
    if red_line is None:
        return RuleResult("setback_m", "not-applicable", None, limit, "m", (), "no red line given")
    below = {a.storey.global_id for a in ind.storeys if a.storey.below_ground}
    checked = [
        s
        for s in shapes
        if not shapely.is_empty(s.footprint)
        and s.storey_id not in below
        and s.ifc_class != "IfcGeographicElement"
    ]
    if not checked:
        return RuleResult(
            "setback_m", "not-applicable", None, limit, "m", (), "no building geometry"
        )
    worst = float("inf")
    offending = []
    for shape in checked:
        distance = signed_clearance(shape.footprint, red_line)
        worst = min(worst, distance)
        if distance < limit - 1e-6:
            offending.append(shape.global_id)
    status: Status = "fail" if offending else "pass"
    note = "the nearest element to the red line" + ("" if worst >= 0 else " (outside it)")
    return RuleResult("setback_m", status, round(worst, 4), limit, "m", tuple(offending), note)


def signed_clearance(footprint: shapely.Geometry, red_line: shapely.Geometry) -> float:
    """Distance from a footprint inside the red line to the line; negative when it crosses
    it (minus how far the farthest outside point lies beyond)."""
    boundary = shapely.boundary(red_line)
    outside = shapely.difference(footprint, red_line)
    if shapely.is_empty(outside) or float(shapely.area(outside)) < 1e-6:
        return float(shapely.distance(boundary, footprint))
    points = shapely.points(shapely.get_coordinates(outside))
    far = float(shapely.distance(boundary, points).max())
    return -float(far)
