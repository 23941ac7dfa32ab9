"""Sightlines through published buildings: obstructions at the right distances, in order."""

from __future__ import annotations

import pytest

from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from tests.twin.analysis.futian_scene import grid_point, publish_futian
from twin.analysis.service import AnalysisService
from twin.errors import InvalidInputError

Backends = tuple[ObjectStore, Catalog]


@pytest.fixture
def service(backends: Backends) -> AnalysisService:
    store, catalog = backends
    publish_futian(store, catalog)
    return AnalysisService(store, catalog)


def test_a_row_of_buildings_blocks_a_low_sightline_at_each_west_face(
    service: AnalysisService,
) -> None:
    out = service.sightline({"from": grid_point(-10, 10, 5.0), "to": grid_point(150, 10, 5.0)})
    assert out["visible"] is False
    assert out["distance_m"] == pytest.approx(160.0, abs=0.01)
    ids = [o["feature_id"] for o in out["obstructions"]]
    assert ids == ["futian:B000", "futian:B001", "futian:B002", "futian:B003"]
    distances = [o["distance_m"] for o in out["obstructions"]]
    assert distances == pytest.approx([10.0, 50.0, 90.0, 130.0], abs=0.05)
    first = out["obstructions"][0]
    assert first["point"][:2] == pytest.approx(grid_point(0, 10, 5.0)[:2], abs=1e-7)
    assert first["point"][2] == pytest.approx(5.0, abs=0.01)
    assert first["layer"] == "futian" and first["kind"] == "buildings"


def test_a_sightline_above_the_lower_roofs_is_blocked_only_by_the_taller_building(
    service: AnalysisService,
) -> None:
    out = service.sightline({"from": grid_point(-10, 10, 12.5), "to": grid_point(150, 10, 12.5)})
    assert [o["feature_id"] for o in out["obstructions"]] == ["futian:B003"]


def test_a_sightline_between_the_rows_is_visible(service: AnalysisService) -> None:
    out = service.sightline({"from": grid_point(-10, 22.5, 2.0), "to": grid_point(150, 22.5, 2.0)})
    assert out == {**out, "visible": True, "obstructions": []}


def test_a_height_above_ground_stands_on_h_zero_without_terrain(service: AnalysisService) -> None:
    here = grid_point(-10, 10, 0.0)
    there = grid_point(150, 10, 0.0)
    out = service.sightline(
        {
            "from": {"lon": here[0], "lat": here[1], "h_above_ground": 12.5},
            "to": {"lon": there[0], "lat": there[1], "h_above_ground": 12.5},
        }
    )
    assert out["from"][2] == pytest.approx(12.5)
    assert [o["feature_id"] for o in out["obstructions"]] == ["futian:B003"]


def test_a_demolition_scenario_opens_the_view_and_compare_shows_both(
    service: AnalysisService,
) -> None:
    body = {
        "from": grid_point(-10, 10, 12.5),
        "to": grid_point(150, 10, 12.5),
        "scenario": {"remove": ["futian:B003"], "compare": True},
    }
    out = service.sightline(body)
    assert out["before"]["visible"] is False
    assert out["after"]["visible"] is True
    assert out["layers"] == ["futian"]


def test_an_added_layer_blocks_the_view_only_in_the_scenario(
    service: AnalysisService, backends: Backends
) -> None:
    store, catalog = backends
    publish_futian(store, catalog, layer="proposal")  # the same blocks again, as a "proposal"
    body = {
        "from": grid_point(-10, 10, 12.5),
        "to": grid_point(150, 10, 12.5),
        "layers": ["futian"],
        "scenario": {"add": ["proposal"], "remove": ["futian:B003"], "compare": True},
    }
    out = service.sightline(body)
    assert [o["feature_id"] for o in out["before"]["obstructions"]] == ["futian:B003"]
    assert [o["feature_id"] for o in out["after"]["obstructions"]] == ["proposal:B003"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"to": [114.0, 22.5, 0.0]}, "'from' is required"),
        ({"from": [114.0, 95.0, 0.0], "to": [114.0, 22.5, 0.0]}, "lat within ±90"),
        ({"from": [114.0, 22.5], "to": [114.0, 22.5, 0.0]}, "three numbers"),
        ({"from": [114.0, 22.5, 0], "to": [114.0, 22.5, 0], "scenario": {"drop": []}}, "'drop'"),
        ({"from": [114.0, 22.5, 0], "to": [114.0, 22.5, 0], "colour": "red"}, "'colour'"),
        ({"from": {"lon": 114.0, "lat": 22.5}, "to": [114.0, 22.5, 0]}, "exactly one of h"),
    ],
)
def test_bad_requests_name_the_problem(
    service: AnalysisService, body: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        service.sightline(body)
