from __future__ import annotations

import math
from urllib.parse import urljoin

import pytest

from tests.scene_api.conftest import Served

SCENE = "/scene/tileset.json"


def test_the_scene_has_one_external_tileset_child_per_published_layer(served: Served) -> None:
    delft = served.publish("delft")
    rotterdam = served.publish("rotterdam", origin=(4.47, 51.92))
    served.catalog.ensure_layer("unpublished", kind="roads", title="Roads", crs="EPSG:28992")
    response = served.client.get(SCENE)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    doc = response.json()
    assert doc["asset"]["version"] == "1.1"
    root = doc["root"]
    assert "content" not in root
    assert len(root["children"]) == 2
    for child, layer in zip(root["children"], (delft, rotterdam), strict=True):
        assert child["content"]["uri"] == f"layers/{layer.layer_id}/tileset.json"
        region = child["boundingVolume"]["region"]
        expected = [*(math.radians(v) for v in layer.bbox), layer.zmin, layer.zmax]
        assert region == pytest.approx(expected)
        assert child["geometricError"] > 0
        resolved = urljoin("http://testserver" + SCENE, child["content"]["uri"])
        assert resolved == f"http://testserver/scene/layers/{layer.layer_id}/tileset.json"
        assert served.client.get(resolved).status_code == 200
    assert root["geometricError"] == max(c["geometricError"] for c in root["children"])
    west, south, east, north, low, high = root["boundingVolume"]["region"]
    assert west == pytest.approx(math.radians(delft.bbox[0]))
    assert east == pytest.approx(math.radians(rotterdam.bbox[2]))
    assert south == pytest.approx(math.radians(rotterdam.bbox[1]))
    assert north == pytest.approx(math.radians(delft.bbox[3]))
    assert (low, high) == pytest.approx(
        (min(delft.zmin, rotterdam.zmin), max(delft.zmax, rotterdam.zmax))
    )


def test_the_scene_is_cacheable_by_etag_until_a_layer_changes(served: Served) -> None:
    served.publish("delft")
    etag = served.client.get(SCENE).headers["etag"]
    assert served.client.get(SCENE, headers={"If-None-Match": etag}).status_code == 304
    served.publish("delft")
    assert served.client.get(SCENE, headers={"If-None-Match": etag}).status_code == 200


def test_an_empty_scene_is_a_404_saying_nothing_is_published(served: Served) -> None:
    response = served.client.get(SCENE)
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "no_published_layers"
    assert "ingest" in body["description"]


def test_a_layer_below_the_scene_is_the_same_tileset_as_under_tiles_with_its_contents_below_it(
    served: Served,
) -> None:
    delft = served.publish("delft")
    below = served.client.get("/scene/layers/delft/tileset.json")
    assert below.status_code == 200
    assert below.json() == served.client.get("/tiles/delft/tileset.json").json()
    uri = below.json()["root"]["content"]["uri"]
    assert uri.startswith(f"v/{delft.version}/"), uri
    content_url = urljoin("http://testserver/scene/layers/delft/tileset.json", uri)
    assert content_url.startswith("http://testserver/scene/layers/delft/v/"), content_url
    content = served.client.get(content_url)
    assert content.status_code == 200
    assert content.content == served.client.get(f"/tiles/delft/{uri}").content
    relative = uri.removeprefix(f"v/{delft.version}/")
    assert content.content == delft.contents[relative]
    current = served.client.get(f"/scene/layers/delft/{relative}")
    assert current.status_code == 200 and current.content == delft.contents[relative]
    assert served.client.head("/scene/layers/delft/tileset.json").status_code == 200
    assert served.client.get("/scene/layers/nowhere/tileset.json").status_code == 404
