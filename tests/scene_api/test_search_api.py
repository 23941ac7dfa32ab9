"""GET /api/search on both backends, over layers published through the lifecycle."""

from __future__ import annotations

import pytest

from tests.scene_api.conftest import Served
from tests.storage.search_helpers import Named, publish_named


@pytest.fixture
def city(served: Served) -> Served:
    publish_named(
        served.catalog,
        served.store,
        "city",
        [
            Named("city:B1", {"name": "福田中心", "地址": "福华路1号"}, lon=114.06, lat=22.53),
            Named("city:B2", {"name": "南山科技园"}, lon=113.95, lat=22.54, zmax=80.0),
        ],
    )
    return served


def test_search_finds_a_building_by_its_pinyin_initials(city: Served) -> None:
    reply = city.client.get("/api/search", params={"q": "ftzx"})
    assert reply.status_code == 200
    assert reply.json() == {
        "results": [
            {
                "id": "city:B1",
                "layer": "city",
                "label": "福田中心",
                "matched": "pinyin",
                "lon": pytest.approx(114.06),
                "lat": pytest.approx(22.53),
                "zmax": 30.0,
            }
        ]
    }


def test_search_matches_names_addresses_and_ids(city: Served) -> None:
    def hits(q: str, **params: str) -> list[tuple[str, str]]:
        reply = city.client.get("/api/search", params={"q": q, **params})
        assert reply.status_code == 200, reply.text
        return [(r["id"], r["matched"]) for r in reply.json()["results"]]

    assert hits("科技园") == [("city:B2", "name")]
    assert hits("福华路") == [("city:B1", "address")]
    assert hits("B2") == [("city:B2", "id")]
    assert hits("nanshan") == [("city:B2", "pinyin")]
    assert hits("福田", layer="other") == []
    assert len(hits("city", limit="1")) == 1


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({}, "q"),
        ({"q": " "}, "q"),
        ({"q": "x" * 101}, "q"),
        ({"q": "福田", "limit": "0"}, "limit"),
        ({"q": "福田", "limit": "51"}, "limit"),
        ({"q": "福田", "limit": "many"}, "limit"),
        ({"q": "福田", "layer": "x" * 64}, "layer"),
    ],
)
def test_bad_search_parameters_are_a_400_naming_the_parameter(
    served: Served, params: dict[str, str], names: str
) -> None:
    reply = served.client.get("/api/search", params=params)
    assert reply.status_code == 400
    body = reply.json()
    assert body["code"] == "invalid_query"
    assert body["description"].startswith(f"{names}:")


def test_a_republished_layer_answers_with_its_new_labels(city: Served) -> None:
    publish_named(city.catalog, city.store, "city", [Named("city:B1", {"name": "会展中心"})])
    assert city.client.get("/api/search", params={"q": "福田"}).json() == {"results": []}
    found = city.client.get("/api/search", params={"q": "hzzx"}).json()["results"]
    assert [(r["id"], r["label"]) for r in found] == [("city:B1", "会展中心")]
