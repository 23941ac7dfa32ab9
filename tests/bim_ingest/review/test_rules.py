from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.bim_ingest.review.conftest import Review
from tests.bim_ingest.review.review_models import Block, red_line_geojson


def by_key(report: object) -> dict[str, object]:
    return {r.key: r for r in report.rules}  # type: ignore[attr-defined]


def test_far_passes_and_fails_on_either_side_of_its_limits(review: Review) -> None:
    block = Block(elevations_m=(0.0, 3.0, 6.0), roof_elevation_m=9.0)  # 300 m² counted
    report = review(block, {"max_far": 0.29, "min_far": 0.2}, site_area_m2=1000.0)
    rules = by_key(report)
    assert rules["max_far"].status == "fail" and rules["max_far"].value == pytest.approx(0.3)
    assert rules["max_far"].elements == report.building_ids
    assert rules["min_far"].status == "pass"
    assert by_key(review(block, {"max_far": 0.3}, site_area_m2=1000.0))["max_far"].status == "pass"
    assert by_key(review(block, {"min_far": 0.31}, site_area_m2=1000.0))["min_far"].status == "fail"


def test_rules_without_a_site_area_are_not_applicable(review: Review) -> None:
    rules = by_key(review(Block(), {"max_far": 1.0, "max_coverage": 0.3, "min_green_ratio": 0.3}))
    assert {k: r.status for k, r in rules.items()} == dict.fromkeys(rules, "not-applicable")


def test_height_and_storeys_name_the_elements_over_the_limit(review: Review) -> None:
    block = Block(elevations_m=(0.0, 3.0, 6.0, 9.0), roof_elevation_m=12.0)
    rules = by_key(review(block, {"max_height_m": 12.0, "max_storeys": 3}))
    height = rules["max_height_m"]
    assert height.status == "fail" and height.value == pytest.approx(12.2)
    assert len(height.elements) == 1  # the roof slab
    storeys = rules["max_storeys"]
    assert storeys.status == "fail" and storeys.value == 4 and len(storeys.elements) == 1
    assert by_key(review(block, {"max_height_m": 12.2}))["max_height_m"].status == "pass"
    with_parapet = by_key(review(block, {"max_height_m": 12.2, "height_includes_parapet": True}))
    assert with_parapet["max_height_m"].status == "fail"
    assert len(with_parapet["max_height_m"].elements) == 4  # the four parapet walls


def test_setback_is_the_clearance_to_the_red_line(review: Review, tmp_path: Path) -> None:
    red = tmp_path / "red.geojson"
    red.write_text(json.dumps(red_line_geojson(-6.0, -3.0, 16.0, 20.0)), encoding="utf-8")
    block = Block()  # 10 x 10 m at the model origin: 3 m from the south edge of the red line
    failing = by_key(review(block, {"setback_m": 5.0}, red_line=red))["setback_m"]
    assert failing.status == "fail" and failing.value == pytest.approx(3.0, abs=0.05)
    assert len(failing.elements) >= 4  # every slab (and the south parapet) is too close
    passing = by_key(review(block, {"setback_m": 2.9}, red_line=red))["setback_m"]
    assert passing.status == "pass" and passing.elements == ()
    # the red line's area is the site area when none is given
    report = review(block, {"max_far": 10}, red_line=red)
    assert report.indicators.site_area.value == pytest.approx(22 * 23, rel=1e-3)


def test_a_building_over_the_red_line_has_a_negative_clearance(
    review: Review, tmp_path: Path
) -> None:
    red = tmp_path / "red.geojson"
    red.write_text(json.dumps(red_line_geojson(2.0, -5.0, 30.0, 30.0)), encoding="utf-8")
    result = by_key(review(Block(), {"setback_m": 0.0}, red_line=red))["setback_m"]
    assert result.status == "fail" and result.value == pytest.approx(-2.0, abs=0.05)


def test_a_red_line_on_a_model_with_no_georeference_is_refused(
    review: Review, tmp_path: Path
) -> None:
    from twin.errors import InvalidInputError

    red = tmp_path / "red.geojson"
    red.write_text(json.dumps(red_line_geojson(-6.0, -3.0, 16.0, 20.0)), encoding="utf-8")
    with pytest.raises(InvalidInputError, match="red line cannot be laid over the model"):
        review(Block(georeferenced=False), {"setback_m": 5.0}, red_line=red)
