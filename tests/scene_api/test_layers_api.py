from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.scene_api.conftest import Served
from tests.scene_api.fake_layer import SCHEMA, PublishedLayer


def test_an_empty_catalog_lists_no_layers(served: Served) -> None:
    response = served.client.get("/api/layers")
    assert response.status_code == 200
    assert response.json() == {"layers": []}


def test_a_published_layer_is_listed_with_its_tileset_url(
    served: Served, delft: PublishedLayer
) -> None:
    served.catalog.ensure_layer("roads", kind="roads", title="Roads", crs="EPSG:28992")
    layers = served.client.get("/api/layers").json()["layers"]
    assert [layer["id"] for layer in layers] == ["delft", "roads"]
    published, unpublished = layers
    assert published["tileset_url"] == "/tiles/delft/tileset.json"
    assert published["version"] == delft.version
    assert published["feature_count"] == len(delft.buildings)
    assert published["bbox"] == pytest.approx(list(delft.bbox))
    assert published["zmin"] == pytest.approx(delft.zmin)
    assert published["zmax"] == pytest.approx(delft.zmax)
    assert published["attribute_schema"] == SCHEMA
    assert published["kind"] == "buildings"
    assert published["visible"] is True
    assert unpublished["tileset_url"] is None
    assert unpublished["version"] is None
    assert unpublished["feature_count"] == 0


def test_one_layer_is_returned_by_id(served: Served, delft: PublishedLayer) -> None:
    response = served.client.get("/api/layers/delft")
    assert response.status_code == 200
    assert response.json()["id"] == "delft"
    assert response.json()["tileset_url"] == "/tiles/delft/tileset.json"


def test_an_unknown_layer_is_a_404_with_a_code(served: Served) -> None:
    response = served.client.get("/api/layers/atlantis")
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "layer_not_found"
    assert body["description"]


def test_the_tileset_url_follows_the_root_path(served: Served, delft: PublishedLayer) -> None:
    client = TestClient(served.app, root_path="/city")  # no lifespan: the app stays open
    layer = client.get("/city/api/layers/delft").json()
    assert layer["tileset_url"] == "/city/tiles/delft/tileset.json"
