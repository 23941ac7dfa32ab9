"""OGC API - Features with CQL2 filtering under /ogc, on both backends."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
import shapely
from shapely.geometry import shape

from tests.scene_api.conftest import Served
from tests.storage import cql2_cases as c
from tests.storage.catalog_helpers import Feat, publish
from twin.domain import FeatureQuery, FeatureRecord

ITEMS = f"/ogc/collections/{c.LAYER}/items"


@pytest.fixture
def city(served: Served) -> list[FeatureRecord]:
    """The CQL2 test layer (Chinese attribute names) published; its rows, unfiltered."""
    publish(served.catalog, c.LAYER, c.features(), c.SCHEMA)
    page = served.catalog.query_features(FeatureQuery(layer=c.LAYER, limit=1000))
    return list(page.features)


def _path(href: str) -> str:
    parts = urlsplit(href)
    return parts.path + ("?" + parts.query if parts.query else "")


def _link(body: dict[str, Any], rel: str) -> dict[str, Any] | None:
    found = [link for link in body["links"] if link["rel"] == rel]
    assert len(found) <= 1
    return found[0] if found else None


def test_the_landing_page_links_to_conformance_collections_and_the_api_definition(
    served: Served,
) -> None:
    body = served.client.get("/ogc").json()
    rels = {link["rel"]: link for link in body["links"]}
    assert {"self", "conformance", "data", "service-desc"} <= set(rels)
    assert served.client.get(_path(rels["conformance"]["href"])).status_code == 200
    assert served.client.get(_path(rels["data"]["href"])).status_code == 200
    assert served.client.get(_path(rels["service-desc"]["href"])).json()["openapi"]


def test_conformance_lists_the_classes_implemented_and_not_oas30(served: Served) -> None:
    classes = set(served.client.get("/ogc/conformance").json()["conformsTo"])
    for expected in (
        "ogcapi-features-1/1.0/conf/core",
        "ogcapi-features-1/1.0/conf/geojson",
        "ogcapi-features-3/1.0/conf/queryables",
        "ogcapi-features-3/1.0/conf/filter",
        "ogcapi-features-3/1.0/conf/features-filter",
        "cql2/1.0/conf/cql2-text",
        "cql2/1.0/conf/cql2-json",
        "cql2/1.0/conf/basic-cql2",
        "cql2/1.0/conf/advanced-comparison-operators",
        "cql2/1.0/conf/basic-spatial-functions",
    ):
        assert f"http://www.opengis.net/spec/{expected}" in classes
    assert not any(uri.endswith("/oas30") for uri in classes)  # the API serves OpenAPI 3.1


def test_collections_list_the_published_layers_with_items_and_queryables(
    served: Served, city: list[FeatureRecord]
) -> None:
    served.catalog.ensure_layer("empty", kind="buildings", title="Empty", crs="EPSG:4326")
    body = served.client.get("/ogc/collections").json()
    assert [col["id"] for col in body["collections"]] == [c.LAYER]
    col = served.client.get(f"/ogc/collections/{c.LAYER}").json()
    assert col["id"] == c.LAYER and col["itemType"] == "feature"
    w, s, e, n = shapely.total_bounds([shapely.from_wkb(r.footprint_wkb) for r in city])
    assert col["extent"]["spatial"]["bbox"][0] == pytest.approx([w, s, e, n])
    items = _link(col, "items")
    assert items is not None and items["type"] == "application/geo+json"
    assert served.client.get(_path(items["href"])).status_code == 200
    queryables = _link(col, "http://www.opengis.net/def/rel/ogc/1.0/queryables")
    assert queryables is not None
    assert served.client.get(_path(queryables["href"])).status_code == 200


def test_queryables_are_the_json_schema_of_the_attributes_and_built_ins(
    served: Served, city: list[FeatureRecord]
) -> None:
    response = served.client.get(f"/ogc/collections/{c.LAYER}/queryables")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/schema+json")
    props = response.json()["properties"]
    assert props["用途"]["type"] == "string"
    assert props["高度"]["type"] == "number"
    assert props["层数"]["type"] == "integer"
    assert props["public"]["type"] == "boolean"
    assert {"id", "class", "parent_id", "zmin", "zmax", "geometry"} <= set(props)
    assert props["geometry"]["format"] == "geometry-any"
    assert set(props) == {*c.SCHEMA, "id", "class", "parent_id", "zmin", "zmax", "geometry"}


def test_items_are_geojson_with_catalog_ids_chinese_properties_and_footprints(
    served: Served, city: list[FeatureRecord]
) -> None:
    response = served.client.get(ITEMS, params={"limit": 100})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert body["numberMatched"] == body["numberReturned"] == len(city)
    by_id = {r.id: r for r in city}
    for feature in body["features"]:
        row = by_id[feature["id"]]
        assert shape(feature["geometry"]).equals_exact(shapely.from_wkb(row.footprint_wkb), 1e-9)
        for name, value in row.attributes.items():
            assert feature["properties"][name] == value
        assert feature["properties"]["class"] == row.cls


def test_next_links_page_through_a_filter_until_it_is_exhausted(
    served: Served, city: list[FeatureRecord]
) -> None:
    text = '"名称" LIKE \'%花园%\' OR "高度" > 60'
    expected = sorted(
        r.id for r in city if c.like(c.value(r, "名称"), "%花园%") or (c.value(r, "高度") or 0) > 60
    )
    assert len(expected) > 7
    url: str | None = f"{ITEMS}?filter={quote(text)}&limit=3"
    seen: list[str] = []
    pages = 0
    while url is not None:
        body = served.client.get(url).json()
        assert body["numberMatched"] == len(expected)
        assert (_link(body, "prev") is None) == (pages == 0)
        seen += [f["id"] for f in body["features"]]
        pages += 1
        following = _link(body, "next")
        url = None if following is None else _path(following["href"])
    assert seen == expected
    assert pages == -(-len(expected) // 3)


def test_a_cql2_json_filter_is_accepted_url_encoded_in_a_get(
    served: Served, city: list[FeatureRecord]
) -> None:
    cql = {"op": "and", "args": [
        {"op": "=", "args": [{"property": "用途"}, "住宅"]},
        {"op": "s_intersects",
         "args": [{"property": "geometry"}, {"bbox": [116.3, 39.9, 116.35, 39.95]}]},
    ]}  # fmt: skip
    box = shapely.box(116.3, 39.9, 116.35, 39.95)
    expected = {
        r.id
        for r in city
        if c.value(r, "用途") == "住宅" and shapely.from_wkb(r.footprint_wkb).intersects(box)
    }
    assert expected
    encoded = quote(json.dumps(cql, ensure_ascii=False))
    response = served.client.get(f"{ITEMS}?filter-lang=cql2-json&limit=100&filter={encoded}")
    assert response.status_code == 200, response.text
    assert {f["id"] for f in response.json()["features"]} == expected


def test_bbox_and_filter_are_combined(served: Served, city: list[FeatureRecord]) -> None:
    box = (116.315, 39.905, 116.345, 39.935)
    expected = {
        r.id
        for r in city
        if c.value(r, "层数") in (1, 2)
        and shapely.from_wkb(r.footprint_wkb).intersects(shapely.box(*box))
    }
    assert expected
    params = {"bbox": ",".join(map(str, box)), "filter": '"层数" IN (1, 2)', "limit": 100}
    body = served.client.get(ITEMS, params=params).json()
    assert {f["id"] for f in body["features"]} == expected


def test_a_bad_filter_is_a_400_with_its_position_and_reason(
    served: Served, city: list[FeatureRecord]
) -> None:
    response = served.client.get(ITEMS, params={"filter": '"高度" >> 3'})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_filter"
    assert "line 1, column 7" in body["description"]
    assert "unexpected '>'" in body["description"]


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"filter": '"楼龄" = 3'}, "unknown property '楼龄'"),
        ({"filter": "\"高度\" = '高'"}, "'高度' is a number"),
        ({"filter": "\"高度\" LIKE '1%'"}, "LIKE needs a string property"),
        ({"filter": "x", "filter-lang": "cql2-xml"}, "filter-lang"),
        ({"filter": '{"op": "="', "filter-lang": "cql2-json"}, "line 1, column"),
    ],
)
def test_a_filter_the_layer_cannot_answer_is_a_400_naming_the_problem(
    served: Served, city: list[FeatureRecord], params: dict[str, str], needle: str
) -> None:
    response = served.client.get(ITEMS, params=params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_filter"
    assert needle in response.json()["description"]


def test_one_item_is_a_feature_with_links(served: Served, city: list[FeatureRecord]) -> None:
    row = city[5]
    response = served.client.get(f"{ITEMS}/{quote(row.id, safe='')}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    body = response.json()
    assert body["type"] == "Feature" and body["id"] == row.id
    assert body["properties"]["用途"] == row.attributes.get("用途")
    assert {link["rel"] for link in body["links"]} == {"self", "collection"}


def test_unknown_collections_and_items_are_404s(served: Served, city: list[FeatureRecord]) -> None:
    nowhere = "/ogc/collections/nowhere"
    for path in (nowhere, f"{nowhere}/items", f"{nowhere}/queryables", f"{nowhere}/items/x"):
        response = served.client.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "layer_not_found"
    missing = served.client.get(f"{ITEMS}/{c.LAYER}:nope")
    assert missing.status_code == 404
    assert missing.json()["code"] == "feature_not_found"


def test_an_item_of_another_collection_is_not_found_in_this_one(
    served: Served, city: list[FeatureRecord]
) -> None:
    publish(served.catalog, "other", [Feat("other:X", shapely.box(0, 0, 1, 1))])
    assert served.client.get("/ogc/collections/other/items/other:X").status_code == 200
    assert served.client.get(f"{ITEMS}/other:X").status_code == 404
