"""Sunlight, sky view and street indicators through the service, on published buildings."""

from __future__ import annotations

import pytest

from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from tests.twin.analysis.futian_scene import grid_point, publish_futian
from twin.analysis.service import AnalysisService
from twin.errors import FeatureNotFoundError, InvalidInputError

Backends = tuple[ObjectStore, Catalog]


@pytest.fixture
def service(backends: Backends) -> AnalysisService:
    store, catalog = backends
    publish_futian(store, catalog)
    return AnalysisService(store, catalog)


def test_a_point_on_the_tallest_roof_is_sunlit_for_the_whole_window(
    service: AnalysisService,
) -> None:
    out = service.sunlight(
        {"points": [grid_point(130, 90, 21.5)], "date": "2026-01-20", "required_hours": 2}
    )
    (point,) = out["points"]
    assert point["total_min"] == 480 and point["hours"] == 8.0 and point["passes"] is True
    assert point["periods"] == [["08:00", "16:00"]]
    assert out["date"] == "2026-01-20" and out["window"] == ["08:00", "16:00"]


def test_a_point_facing_a_wall_to_its_south_is_shaded_until_the_wall_is_demolished(
    service: AnalysisService,
) -> None:
    # 2 m north of building #2 (80-100 m east, 0-20 m north, 12 m high), facing south
    here = grid_point(90, 22, 0)
    body = {
        "points": [{"lon": here[0], "lat": here[1], "h_above_ground": 1.5}],
        "normals": [[0.0, -1.0, 0.0]],
        "date": "2026-01-20",
        "scenario": {"remove": ["futian:B002"], "compare": True},
    }
    out = service.sunlight(body)
    before, after = out["before"]["points"][0], out["after"]["points"][0]
    assert before["total_min"] == 0 and before["passes"] is False
    assert after["total_min"] > 240 and after["passes"] is True
    assert out["before"]["summary"] == {
        "count": 1,
        "passing": 0,
        "failing": 1,
        "min_hours": 0.0,
        "max_hours": 0.0,
    }


def test_facades_of_a_building_are_sampled_and_south_walls_get_the_most_sun(
    service: AnalysisService,
) -> None:
    out = service.sunlight({"building": "futian:B009", "date": "2026-01-20"})
    points = out["points"]
    assert out["summary"]["count"] == len(points) > 20
    south = [p["hours"] for p in points if p["normal"][1] < -0.9]
    north = [p["hours"] for p in points if p["normal"][1] > 0.9]
    assert south and north and min(south) > max(north)
    with pytest.raises(FeatureNotFoundError):
        service.sunlight({"building": "futian:NOPE"})


def test_sky_view_is_one_on_an_open_roof_and_less_between_buildings(
    service: AnalysisService,
) -> None:
    out = service.sky_view(
        {"points": [grid_point(130, 90, 21.01), grid_point(70, 30, 1.5)], "rays": 1024}
    )
    roof, street = (p["svf"] for p in out["points"])
    assert roof == pytest.approx(1.0, abs=0.005)
    assert 0.2 < street < 0.95


def test_a_street_between_two_rows_is_twenty_metres_wide(service: AnalysisService) -> None:
    a, b = grid_point(60, 30, 0), grid_point(140, 30, 0)
    streets = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "深南路",
                "properties": {},
                "geometry": {"type": "LineString", "coordinates": [a[:2], b[:2]]},
            }
        ],
    }
    out = service.streets({"streets": streets, "spacing_m": 10})
    (street,) = out["streets"]
    assert street["id"] == "深南路"
    assert street["width_m"] == pytest.approx(20.0, abs=0.5)
    assert 12.0 <= street["mean_height_m"] <= 17.0
    assert street["height_width_ratio"] == pytest.approx(
        street["mean_height_m"] / street["width_m"], rel=0.02
    )
    assert 0.0 < street["svf"] < 1.0 and street["green_ratio"] == 0.0


@pytest.mark.parametrize(
    ("method", "body", "message"),
    [
        ("sunlight", {}, "either 'points' or 'building'"),
        ("sunlight", {"points": [[114.05, 22.54, 1]], "date": "20-1-2026"}, "YYYY-MM-DD"),
        ("sunlight", {"points": [[114.05, 22.54, 1]], "window": ["16:00", "08:00"]}, "window"),
        ("sunlight", {"points": [[114.05, 22.54, 1]], "normals": [[0, 0, 0]]}, "zero"),
        ("sky_view", {"points": [[114.05, 22.54, 1]], "rays": 3}, "rays"),
        ("streets", {"streets": {"type": "Feature"}}, "FeatureCollection"),
    ],
)
def test_bad_requests_name_the_problem(
    service: AnalysisService, method: str, body: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        getattr(service, method)(body)
