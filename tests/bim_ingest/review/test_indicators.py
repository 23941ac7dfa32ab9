from __future__ import annotations

import pytest

from tests.bim_ingest.review.conftest import Review
from tests.bim_ingest.review.review_models import SLAB_M, Block

TALL_AND_LOW = Block(elevations_m=(0.0, 2.19, 4.39, 7.39), roof_elevation_m=10.39)


def test_a_storey_of_2_19_m_counts_half_and_one_of_2_20_m_counts_in_full(review: Review) -> None:
    report = review(TALL_AND_LOW, site_area_m2=1000.0)
    storeys = [a for a in report.indicators.storeys if a.area_m2 > 0]
    assert [a.storey.height_m for a in storeys] == pytest.approx([2.19, 2.20, 3.0, 3.0])
    assert [a.storey.area_factor for a in storeys] == [0.5, 1.0, 1.0, 1.0]
    assert [a.area_m2 for a in storeys] == pytest.approx([100.0] * 4, abs=1e-6)
    assert [a.counted_m2 for a in storeys] == pytest.approx([50.0, 100.0, 100.0, 100.0])
    assert all(a.area_source == "IfcSlab footprints" for a in storeys)
    assert report.indicators.counted_floor_area.value == pytest.approx(350.0)
    assert report.indicators.far.value == pytest.approx(0.35)


def test_a_millimetre_model_and_a_metre_model_report_the_same_metres(review: Review) -> None:
    mm = review(TALL_AND_LOW, site_area_m2=1000.0).indicators
    m = review(
        Block(elevations_m=TALL_AND_LOW.elevations_m, roof_elevation_m=10.39, millimetres=False),
        site_area_m2=1000.0,
    ).indicators
    assert mm.counted_floor_area.value == pytest.approx(m.counted_floor_area.value)
    assert mm.height.value == pytest.approx(m.height.value)
    assert [a.storey.height_m for a in mm.storeys] == pytest.approx(
        [a.storey.height_m for a in m.storeys]
    )


def test_heights_run_from_the_ground_to_the_roof_and_to_the_parapet(review: Review) -> None:
    ind = review(Block(elevations_m=(0.0, 3.0, 6.0), roof_elevation_m=9.0)).indicators
    assert ind.height.value == pytest.approx(9.0 + SLAB_M)
    assert ind.height_to_parapet.value == pytest.approx(9.0 + SLAB_M + 1.2)
    assert ind.storeys_above == 3 and ind.storeys_below == 0


def test_basements_count_in_gross_floor_area_but_not_in_the_far(review: Review) -> None:
    block = Block(basements_m=(-6.0, -3.0), elevations_m=(0.0, 3.0), roof_elevation_m=6.0)
    ind = review(block, site_area_m2=400.0).indicators
    assert (ind.storeys_above, ind.storeys_below) == (2, 2)
    assert ind.gross_floor_area.value == pytest.approx(400.0)
    assert ind.counted_floor_area.value == pytest.approx(200.0)
    assert ind.far.value == pytest.approx(0.5)
    assert ind.height.value == pytest.approx(6.0 + SLAB_M)  # from +-0.00, not the basement


def test_coverage_and_green_ratio_come_from_plan_footprints(review: Review) -> None:
    block = Block(length_m=20.0, width_m=10.0, green_m=(-30.0, -30.0, -10.0, 0.0))
    ind = review(block, site_area_m2=1000.0).indicators
    assert ind.base_area.value == pytest.approx(200.0)
    assert ind.coverage.value == pytest.approx(0.2)
    assert ind.green_area.value == pytest.approx(600.0)
    assert ind.green_ratio.value == pytest.approx(0.6)
    assert "green" in ind.green_area.source


def test_ratios_need_a_site_area_and_say_so(review: Review) -> None:
    ind = review(Block()).indicators
    assert ind.far.value is None and "no site area" in ind.far.source
    assert ind.green_ratio.value is None and "no green spaces" in ind.green_ratio.source


def test_floor_slabs_contained_in_the_wrong_storey_count_for_the_storey_they_floor(
    review: Review, tmp_path: object
) -> None:
    import ifcopenshell
    import ifcopenshell.api.spatial

    from bim_ingest.review.review_model import ReviewInput, review_model
    from bim_ingest.review.ruleset import parse_ruleset
    from tests.bim_ingest.review.review_models import write_block

    path = write_block(
        Block(elevations_m=(0.0, 3.0, 6.0), roof_elevation_m=9.0), tmp_path / "x.ifc"
    )  # type: ignore[operator]
    model = ifcopenshell.open(str(path))
    ground = min(model.by_type("IfcBuildingStorey"), key=lambda s: s.Elevation)
    slabs = [s for s in model.by_type("IfcSlab") if s.PredefinedType == "FLOOR"]
    ifcopenshell.api.spatial.assign_container(model, products=slabs, relating_structure=ground)
    ind = review_model(model, ReviewInput(rules=parse_ruleset({})), name="x").indicators
    areas = [a.area_m2 for a in ind.storeys if a.area_m2 > 0]
    assert areas == pytest.approx([100.0, 100.0, 100.0])
    assert "assigned by elevation" in ind.storeys[1].area_source
    assert ind.storeys_above == 3


def test_a_model_without_roof_elements_is_measured_to_its_highest_element(
    tmp_path: object,
) -> None:
    import ifcopenshell

    from bim_ingest.review.review_model import ReviewInput, review_model
    from bim_ingest.review.ruleset import parse_ruleset
    from tests.bim_ingest.review.review_models import write_block

    path = write_block(Block(elevations_m=(0.0, 3.0), roof_elevation_m=6.0), tmp_path / "r.ifc")  # type: ignore[operator]
    model = ifcopenshell.open(str(path))
    for roof in [s for s in model.by_type("IfcSlab") if s.PredefinedType == "ROOF"]:
        model.remove(roof)
    ind = review_model(model, ReviewInput(rules=parse_ruleset({})), name="r").indicators
    assert "no roof elements" in ind.height.source
    assert ind.height.value == pytest.approx(3.0 + SLAB_M)  # the top floor slab: parapets excluded
    assert ind.height_to_parapet.value == pytest.approx(6.0 + SLAB_M + 1.2)


@pytest.mark.parametrize("schema", ["IFC2X3", "IFC4", "IFC4X3"])
def test_every_schema_gives_the_same_indicators(review: Review, schema: str) -> None:
    block = Block(
        elevations_m=(0.0, 2.19, 4.39),
        roof_elevation_m=7.39,
        schema=schema,
        green_m=(-20.0, 0.0, -10.0, 10.0),
    )
    ind = review(block, site_area_m2=1000.0).indicators
    assert ind.counted_floor_area.value == pytest.approx(250.0)
    assert ind.height.value == pytest.approx(7.39 + SLAB_M)
    assert ind.green_ratio.value == pytest.approx(0.1)
    assert ind.storeys_above == 3
