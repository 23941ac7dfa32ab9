"""``/api/analysis``: the analyses over HTTP, on both backends, with clear errors."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.scene_api.conftest import Served
from tests.twin.analysis.futian_scene import grid_point, publish_futian


@pytest.fixture
def futian(served: Served) -> Served:
    publish_futian(served.store, served.catalog)
    return served


def test_a_sightline_lists_the_buildings_in_the_way(futian: Served) -> None:
    r = futian.client.post(
        "/api/analysis/sightline",
        json={"from": grid_point(-10, 10, 5.0), "to": grid_point(150, 10, 5.0)},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["visible"] is False
    assert [o["distance_m"] for o in body["obstructions"]] == pytest.approx(
        [10.0, 50.0, 90.0, 130.0], abs=0.05
    )


def test_a_sightline_compares_before_and_after_a_demolition(futian: Served) -> None:
    r = futian.client.post(
        "/api/analysis/sightline",
        json={
            "from": grid_point(-10, 10, 12.5),
            "to": grid_point(150, 10, 12.5),
            "scenario": {"remove": ["futian:B003"], "compare": True},
        },
    )
    assert r.status_code == 200, r.text
    assert (r.json()["before"]["visible"], r.json()["after"]["visible"]) == (False, True)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"from": [114.0, 22.5, 0.0]}, 422, "invalid_parameter"),
        ({"from": [114.0, 95.0, 0.0], "to": [114.0, 22.5, 0.0]}, 400, "invalid_input"),
        ({"from": [1, 2, 3], "to": [1, 2, 3], "layers": ["nowhere"]}, 404, "layer_not_found"),
        ({"from": [1, 2, 3], "to": [1, 2, 3], "scenario": {"add": ["nowhere"]}}, 404, None),
        ({"from": [1, 2, 3], "to": [1, 2, 3], "scenario": {"compare": "yes"}}, 422, None),
    ],
)
def test_bad_sightline_requests_get_a_clear_error(
    futian: Served, body: dict[str, object], status: int, code: str | None
) -> None:
    r = futian.client.post("/api/analysis/sightline", json=body)
    assert r.status_code == status, r.text
    assert set(r.json()) == {"code", "description"}
    if code:
        assert r.json()["code"] == code


def test_an_analysis_with_no_layer_published_says_so(serve: Callable[..., Served]) -> None:
    served = serve()
    r = served.client.post("/api/analysis/sightline", json={"from": [1, 2, 3], "to": [1, 2, 4]})
    assert r.status_code == 400
    assert "no layer with surfaces" in r.json()["description"]


def test_sunlight_of_a_building_lists_its_facade_points(futian: Served) -> None:
    r = futian.client.post(
        "/api/analysis/sunlight", json={"building": "futian:B009", "date": "2026-01-20"}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["summary"]["count"] == len(body["points"]) > 20
    assert body["required_hours"] == 2.0 and body["window"] == ["08:00", "16:00"]


def test_an_unknown_building_is_a_404(futian: Served) -> None:
    r = futian.client.post("/api/analysis/sunlight", json={"building": "futian:NOPE"})
    assert r.status_code == 404 and r.json()["code"] == "feature_not_found"


def test_sky_view_and_street_indicators_answer_per_input(futian: Served) -> None:
    r = futian.client.post(
        "/api/analysis/svf", json={"points": [grid_point(130, 90, 21.01)], "rays": 256}
    )
    assert r.status_code == 200, r.text
    assert r.json()["points"][0]["svf"] == pytest.approx(1.0, abs=0.01)
    line = [grid_point(60, 30, 0)[:2], grid_point(140, 30, 0)[:2]]
    streets = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "s1"},
                "geometry": {"type": "LineString", "coordinates": line},
            }
        ],
    }
    r = futian.client.post("/api/analysis/streets", json={"streets": streets})
    assert r.status_code == 200, r.text
    assert r.json()["streets"][0]["id"] == "s1"


def test_the_skyline_panorama_is_served_as_png(futian: Served) -> None:
    body = {
        "viewpoint": grid_point(-60, 30, 0.0),
        "ridge": [grid_point(2000, y, 40.0) for y in (-2000, 0, 2000)],
    }
    r = futian.client.post("/api/analysis/skyline", json=body)
    assert r.status_code == 200, r.text
    assert 0.0 <= r.json()["visible_share"] <= 1.0
    r = futian.client.post("/api/analysis/skyline/panorama.png", json=body)
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/png" and r.content[:4] == b"\x89PNG"


def test_a_corridor_lists_intrusions_and_serves_its_max_height_surface(futian: Served) -> None:
    body = {
        "viewpoint": grid_point(-200, 30, 0.0),
        "targets": [grid_point(800, 30, 0.0)],
        "threshold": {"kind": "plane", "target_height_m": 20.0},
        "half_width_m": 60.0,
    }
    r = futian.client.post("/api/analysis/corridor", json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["polygon"]["type"] == "Polygon"
    assert out["intrusions"] and all(i["max_intrusion_m"] > 0 for i in out["intrusions"])
    assert out["intrusions"] == sorted(out["intrusions"], key=lambda i: -i["max_intrusion_m"])
    tif = futian.client.get(out["max_height"]["tif"])
    assert tif.status_code == 200 and tif.headers["content-type"] == "image/tiff"
    from rasterio.io import MemoryFile

    with MemoryFile(tif.content) as mem, mem.open() as src:
        assert src.count == 2 and src.crs.to_epsg() == 4326
        band = src.read(2)
        assert 1.6 < float(band[~(band != band)].min()) <= float(band[band == band].max()) <= 20.1
    png = futian.client.get(out["max_height"]["png"])
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"
    assert len(png.headers["x-bounds"].split(",")) == 4


def test_saving_a_corridor_needs_a_planner_token(futian: Served) -> None:
    body = {
        "viewpoint": grid_point(-200, 30, 0.0),
        "targets": [grid_point(800, 30, 0.0)],
        "threshold": {"kind": "plane", "target_height_m": 20.0},
        "save": True,
    }
    r = futian.client.post("/api/analysis/corridor", json=body)
    assert r.status_code == 401
    assert futian.client.get("/api/analysis/corridor/v1.garbage/max-height.tif").status_code == 400
    assert futian.client.get("/api/analysis/corridor/c0123456789abcdef").status_code == 404
