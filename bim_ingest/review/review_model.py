"""Review one IFC model: indicators, planning rules, IDS, and the issues for BCF."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ifcopenshell
import shapely

from bim_ingest.georef import GeoOverride, Georeference, georeference
from bim_ingest.georef_units import model_length_unit
from bim_ingest.review.check_ids import IdsResult, check_ids
from bim_ingest.review.element_shapes import (
    select_elements,
    spaces_of_storeys_without_floors,
    triangulate,
)
from bim_ingest.review.indicators import (
    Figure,
    Indicators,
    compute_indicators,
    storey_by_elevation,
)
from bim_ingest.review.red_line import read_red_line_lonlat, to_model_plan
from bim_ingest.review.rules import RuleResult, evaluate_rules
from bim_ingest.review.ruleset import Ruleset
from bim_ingest.review.storeys import buildings_with_storeys, read_storeys, storey_elevation_m
from twin.errors import InvalidInputError, TwinError

log = logging.getLogger("twin.review")


@dataclass(frozen=True)
class ReviewInput:
    rules: Ruleset
    site_area_m2: float | None = None  # beats the ruleset's and the red line's
    red_line: Path | None = None  # beats the ruleset's
    red_line_lonlat: shapely.Geometry | None = None  # e.g. a catalog feature's footprint
    ids: Path | None = None
    override: GeoOverride | None = None
    fallback_origin: tuple[float, float, float] | None = None


@dataclass(frozen=True)
class ReviewReport:
    model_name: str
    schema: str
    indicators: Indicators
    rules: tuple[RuleResult, ...]
    ids: tuple[IdsResult, ...]
    red_line_model: shapely.Geometry | None
    georeference: Georeference | None
    bounds: dict[str, tuple[float, float, float, float, float, float]] = field(hash=False)
    building_ids: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return all(r.status != "fail" for r in self.rules) and all(
            r.status == "pass" for r in self.ids
        )


def _extreme_storeys(model: ifcopenshell.file, unit_m: float) -> list[Any]:
    out: list[Any] = []
    for _, storeys in buildings_with_storeys(model):
        if storeys:
            ordered = sorted(storeys, key=lambda s: storey_elevation_m(s, unit_m))
            out.extend({ordered[0].id(): ordered[0], ordered[-1].id(): ordered[-1]}.values())
            # the ground storey is the lowest one at or above +-0.00 when there are basements
            above = [s for s in ordered if storey_elevation_m(s, unit_m) >= -0.005]
            if above:
                out.append(above[0])
    return out


def review_model(model: ifcopenshell.file, given: ReviewInput, *, name: str = "") -> ReviewReport:
    started = time.perf_counter()
    unit_m = model_length_unit(model).metres
    shapes = triangulate(model, select_elements(model, _extreme_storeys(model, unit_m)))
    storeys, ground = read_storeys(model, unit_m, shapes)
    floored = set(storey_by_elevation(storeys, shapes).values())
    shapes += triangulate(model, spaces_of_storeys_without_floors(model, floored))
    log.info("review: %d elements measured", len(shapes))
    storeys, ground = read_storeys(model, unit_m, shapes)

    red_path = given.red_line or given.rules.red_line
    georef: Georeference | None = None
    red_model: shapely.Geometry | None = None
    red_lonlat = given.red_line_lonlat
    if red_path is not None:
        red_lonlat = read_red_line_lonlat(red_path)
    if red_lonlat is not None:
        try:
            georef = georeference(
                model, override=given.override, fallback_origin=given.fallback_origin
            )
        except TwinError as exc:
            raise InvalidInputError(
                f"the red line cannot be laid over the model: {exc.message}"
            ) from None
        red_model = to_model_plan(red_lonlat, georef)

    site_area = _site_area(given, red_model)
    indicators = compute_indicators(model, storeys, shapes, ground, site_area)
    buildings = tuple(str(b.GlobalId) for b in model.by_type("IfcBuilding"))
    rules = evaluate_rules(given.rules, indicators, shapes, red_model, buildings)
    ids = check_ids(model, given.ids) if given.ids is not None else []
    bounds = {s.global_id: s.bounds for s in shapes}
    return ReviewReport(
        model_name=name,
        schema=str(model.schema_identifier),
        indicators=indicators,
        rules=tuple(rules),
        ids=tuple(ids),
        red_line_model=red_model,
        georeference=georef,
        bounds=bounds,
        building_ids=buildings,
        seconds=time.perf_counter() - started,
    )


def _site_area(given: ReviewInput, red_model: shapely.Geometry | None) -> Figure:
    if given.site_area_m2 is not None:
        return Figure(float(given.site_area_m2), "--site-area")
    if given.rules.site_area_m2 is not None:
        return Figure(float(given.rules.site_area_m2), "the ruleset's site_area_m2")
    if red_model is not None:
        return Figure(float(shapely.area(red_model)), "the red line's area")
    return Figure(None, "not given (--site-area, site_area_m2 or a red line)")
