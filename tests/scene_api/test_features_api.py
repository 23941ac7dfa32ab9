from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
import shapely
from shapely.geometry import box, shape

from tests.scene_api.conftest import Served
from tests.scene_api.fake_layer import PublishedLayer

FEATURES = "/api/layers/delft/features"


def _ids(body: dict[str, Any]) -> list[str]:
    return [f["id"] for f in body["features"]]


def test_a_feature_is_found_by_an_id_with_a_colon(served: Served, delft: PublishedLayer) -> None:
    building = delft.buildings[5]
    for path in (f"/api/features/{building.id}", f"/api/features/{quote(building.id, safe='')}"):
        response = served.client.get(path)
        assert response.status_code == 200, path
        body = response.json()
        assert body["id"] == "delft:B5"
        assert body["layer"] == "delft"
        assert body["class"] == "building"
        assert "class_" not in body
        assert body["parent_id"] is None
        assert body["attributes"] == building.attributes
        assert body["bbox"] == pytest.approx(list(building.footprint.bounds))
        assert body["zmin"] == pytest.approx(building.zmin)
        assert body["zmax"] == pytest.approx(building.zmax)
        assert body["version"] == delft.version
        assert body["tile"] == building.tile


def test_the_tile_url_of_a_feature_serves_its_content(
    served: Served, delft: PublishedLayer
) -> None:
    body = served.client.get("/api/features/delft:B5").json()
    assert body["tile_url"] == f"/tiles/delft/v/{delft.version}/{delft.buildings[5].tile}"
    tile = served.client.get(body["tile_url"])
    assert tile.status_code == 200
    assert tile.content == delft.contents[delft.buildings[5].tile]


def test_an_unknown_feature_is_a_404_with_a_code(served: Served, delft: PublishedLayer) -> None:
    response = served.client.get("/api/features/delft:nope")
    assert response.status_code == 404
    assert response.json()["code"] == "feature_not_found"


def test_all_features_of_a_layer_are_a_geojson_collection(
    served: Served, delft: PublishedLayer
) -> None:
    response = served.client.get(FEATURES, params={"sort": "id"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert body["numberMatched"] == len(delft.buildings)
    assert body["numberReturned"] == len(delft.buildings)
    by_id = {b.id: b for b in delft.buildings}
    for feature in body["features"]:
        building = by_id[feature["id"]]
        assert feature["type"] == "Feature"
        assert shape(feature["geometry"]).equals_exact(building.footprint, 1e-9)
        props = feature["properties"]
        assert props["class"] == "building"
        assert props["id"] == building.id
        assert props["height"] == building.attributes["height"]
        assert props["zmax"] == pytest.approx(building.zmax)


def test_a_bbox_selects_the_footprints_it_touches(served: Served, delft: PublishedLayer) -> None:
    query = (4.3499, 51.9999, 4.3512, 52.0012)
    expected = {b.id for b in delft.buildings if b.footprint.intersects(box(*query))}
    assert 0 < len(expected) < len(delft.buildings)
    body = served.client.get(FEATURES, params={"bbox": ",".join(map(str, query))}).json()
    assert set(_ids(body)) == expected
    assert body["numberMatched"] == len(expected)


def test_a_polygon_selects_the_footprints_it_touches(served: Served, delft: PublishedLayer) -> None:
    polygon = shapely.from_wkt(
        "POLYGON((4.3501 52.0001, 4.3525 52.0001, 4.3501 52.0025, 4.3501 52.0001))"
    )
    expected = {b.id for b in delft.buildings if b.footprint.intersects(polygon)}
    assert 0 < len(expected) < len(delft.buildings)
    body = served.client.get(FEATURES, params={"polygon": polygon.wkt}).json()
    assert set(_ids(body)) == expected


@pytest.mark.parametrize(
    ("filters", "predicate"),
    [
        (["height > 20"], lambda a: a["height"] > 20),
        (["height >= 12", "floors <= 2"], lambda a: a["height"] >= 12 and a["floors"] <= 2),
        (["use in (住宅,商业)"], lambda a: a["use"] in ("住宅", "商业")),
        (["use = office"], lambda a: a["use"] == "office"),
        (["use != 'office'"], lambda a: a["use"] != "office"),
        (["name like 'Building 1%'"], lambda a: (a["name"] or "").startswith("Building 1")),
        (["name is null"], lambda a: a["name"] is None),
        (["name IS NOT NULL", "floors = 3"], lambda a: a["name"] is not None and a["floors"] == 3),
    ],
)
def test_filters_select_the_matching_features(
    served: Served, delft: PublishedLayer, filters: list[str], predicate: object
) -> None:
    expected = {b.id for b in delft.buildings if predicate(b.attributes)}  # type: ignore[operator]
    assert 0 < len(expected) < len(delft.buildings)
    response = served.client.get(FEATURES, params={"filter": filters})
    assert response.status_code == 200, response.text
    assert set(_ids(response.json())) == expected


def test_sort_orders_by_several_fields(served: Served, delft: PublishedLayer) -> None:
    body = served.client.get(FEATURES, params={"sort": "floors,-height"}).json()
    keys = [(f["properties"]["floors"], -f["properties"]["height"]) for f in body["features"]]
    assert keys == sorted(keys)
    assert len(keys) == len(delft.buildings)


def test_paging_links_walk_through_every_feature_once(
    served: Served, delft: PublishedLayer
) -> None:
    url = f"{FEATURES}?filter=height%3E3&sort=-height&limit=4"
    expected = sorted(
        (b for b in delft.buildings if b.attributes["height"] > 3),
        key=lambda b: -b.attributes["height"],
    )
    seen: list[str] = []
    pages = 0
    while url:
        body = served.client.get(url).json()
        pages += 1
        seen += _ids(body)
        assert body["numberMatched"] == len(expected)
        links = {link["rel"]: link["href"] for link in body["links"]}
        assert "filter=height%3E3" in links["self"]
        assert ("prev" in links) == (pages > 1)
        url = links.get("next", "")
    assert seen == [b.id for b in expected]
    assert pages == 3


def test_a_malformed_bbox_is_a_400_naming_the_bbox(served: Served, delft: PublishedLayer) -> None:
    response = served.client.get(FEATURES, params={"bbox": "4.3,52,4.4"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_query"
    assert "bbox" in body["description"]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("height >", "height >"),
        ("height ~ 3", "operator"),
        ("colour = red", "colour"),
        ("height like '1%'", "height"),
    ],
)
def test_a_bad_filter_is_a_400_describing_the_problem(
    served: Served, delft: PublishedLayer, text: str, named: str
) -> None:
    response = served.client.get(FEATURES, params={"filter": text})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_query"
    assert named in body["description"]


def test_sorting_by_an_unknown_field_is_a_400(served: Served, delft: PublishedLayer) -> None:
    response = served.client.get(FEATURES, params={"sort": "colour"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_query"


@pytest.mark.parametrize("limit", ["0", "10001", "many"])
def test_a_limit_out_of_range_is_a_422_naming_limit(
    served: Served, delft: PublishedLayer, limit: str
) -> None:
    response = served.client.get(FEATURES, params={"limit": limit})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_parameter"
    assert "limit" in body["description"]


def test_the_largest_limit_is_accepted(served: Served, delft: PublishedLayer) -> None:
    response = served.client.get(FEATURES, params={"limit": 10000})
    assert response.status_code == 200
    assert response.json()["numberReturned"] == len(delft.buildings)


def test_features_of_an_unknown_layer_are_a_404(served: Served) -> None:
    response = served.client.get("/api/layers/atlantis/features")
    assert response.status_code == 404
    assert response.json()["code"] == "layer_not_found"
