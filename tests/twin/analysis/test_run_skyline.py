"""Ridgeline visibility and panoramas through the service, on published buildings."""

from __future__ import annotations

import io

import pytest
from PIL import Image

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


def _body(**extra: object) -> dict[str, object]:
    ridge = [grid_point(2000, y, 40.0) for y in range(-3000, 3001, 500)]
    return {"viewpoint": grid_point(-60, 30, 0.0), "ridge": ridge, **extra}


def test_buildings_in_front_hide_part_of_the_ridge_and_demolishing_them_reveals_it(
    service: AnalysisService,
) -> None:
    out = service.skyline(_body())
    assert 0.0 < out["visible_share"] < 1.0
    blockers = [b["feature_id"] for b in out["blocked_by"]]
    assert blockers and all(b.startswith("futian:B") for b in blockers)
    assert sum(b["share"] for b in out["blocked_by"]) == pytest.approx(
        1 - out["visible_share"], abs=0.05
    )
    fewer = service.skyline(_body(scenario={"remove": blockers, "compare": True}))
    assert fewer["before"]["visible_share"] == out["visible_share"]
    assert fewer["after"]["visible_share"] > out["visible_share"]  # others stood behind
    every = [f"futian:B{i:03d}" for i in range(12)]
    assert service.skyline(_body(scenario={"remove": every}))["visible_share"] == 1.0


def test_a_ridge_given_as_a_2d_line_stands_on_the_ground(service: AnalysisService) -> None:
    line = {
        "type": "LineString",
        "coordinates": [grid_point(2000, 0, 0)[:2], grid_point(2000, 60, 0)[:2]],
    }
    out = service.skyline({"viewpoint": grid_point(-60, 30, 0), "ridge": line})
    assert {p[2] for p in out["ridge"]} == {0.0}


def test_the_panorama_is_a_png_and_comparing_stacks_before_above_after(
    service: AnalysisService,
) -> None:
    one = Image.open(io.BytesIO(service.panorama(_body())))
    two = Image.open(
        io.BytesIO(service.panorama(_body(scenario={"remove": ["futian:B000"], "compare": True})))
    )
    assert one.format == two.format == "PNG"
    assert two.width == one.width and two.height > 2 * one.height - 1


def test_deriving_the_ridge_needs_terrain_or_an_azimuth(service: AnalysisService) -> None:
    with pytest.raises(InvalidInputError, match="azimuth"):
        service.skyline({"viewpoint": grid_point(0, 0, 0)})
    with pytest.raises(InvalidInputError, match="terrain"):
        service.skyline({"viewpoint": grid_point(0, 0, 0), "azimuth": [60, 120]})
