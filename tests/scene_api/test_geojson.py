from __future__ import annotations

import json
import math
from urllib.parse import parse_qs, urlsplit

import shapely
from shapely.geometry import box

from scene_api.services.geojson import feature_collection
from twin.domain import FeaturePage, FeatureRecord


def _feature(i: int, zmax: float = 10.0) -> FeatureRecord:
    return FeatureRecord(
        id=f"delft:B{i}",
        layer="delft",
        version=1,
        cls="building",
        parent_id=None,
        attributes={"height": 3.5 * i, "use": "住宅"},
        footprint_wkb=shapely.to_wkb(box(4.0 + i, 52.0, 4.1 + i, 52.1)),
        bbox=(4.0 + i, 52.0, 4.1 + i, 52.1),
        zmin=0.0,
        zmax=zmax,
        content_key="layers/delft/v000001/t/0.glb",
    )


def _page(features: list[FeatureRecord], total: int, limit: int, offset: int) -> FeaturePage:
    return FeaturePage(features=tuple(features), total=total, limit=limit, offset=offset)


def test_a_page_becomes_a_feature_collection_with_footprints_and_properties() -> None:
    doc = json.loads(
        feature_collection(_page([_feature(1), _feature(2, math.nan)], 2, 10, 0), "http://h/x")
    )
    assert doc["type"] == "FeatureCollection"
    assert doc["numberMatched"] == 2
    assert doc["numberReturned"] == 2
    first = doc["features"][0]
    assert first["id"] == "delft:B1"
    assert shapely.geometry.shape(first["geometry"]).equals(box(5.0, 52.0, 5.1, 52.1))
    assert first["properties"] == {
        "height": 3.5,
        "use": "住宅",
        "id": "delft:B1",
        "class": "building",
        "parent_id": None,
        "zmin": 0.0,
        "zmax": 10.0,
    }
    assert doc["features"][1]["properties"]["zmax"] is None


def test_paging_links_keep_the_query_and_move_the_offset() -> None:
    url = "http://h/api/layers/delft/features?filter=height%3E1&filter=use%3Dx&limit=2&offset=2"
    doc = json.loads(feature_collection(_page([_feature(3), _feature(4)], 7, 2, 2), url))
    links = {link["rel"]: link for link in doc["links"]}
    assert set(links) == {"self", "next", "prev"}
    nxt = parse_qs(urlsplit(links["next"]["href"]).query)
    assert nxt == {"filter": ["height>1", "use=x"], "limit": ["2"], "offset": ["4"]}
    prev = parse_qs(urlsplit(links["prev"]["href"]).query)
    assert prev["offset"] == ["0"]
    assert links["next"]["type"] == "application/geo+json"


def test_the_last_page_has_no_next_link_and_the_first_no_prev() -> None:
    doc = json.loads(feature_collection(_page([_feature(1)], 1, 10, 0), "http://h/x"))
    assert [link["rel"] for link in doc["links"]] == ["self"]


def test_an_empty_page_is_an_empty_collection() -> None:
    doc = json.loads(feature_collection(_page([], 0, 10, 0), "http://h/x"))
    assert doc["features"] == []
    assert doc["numberReturned"] == 0
