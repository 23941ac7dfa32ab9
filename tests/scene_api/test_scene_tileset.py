from __future__ import annotations

import math

import pytest

from scene_api.services.scene import NoPublishedLayersError, geometric_error, scene_tileset
from twin.domain import LayerRecord


def _layer(
    layer_id: str, bbox: tuple[float, float, float, float], zmin: float, zmax: float
) -> LayerRecord:
    return LayerRecord(
        id=layer_id,
        kind="buildings",
        title=layer_id,
        crs="EPSG:4326",
        bbox=bbox,
        zmin=zmin,
        zmax=zmax,
        version=2,
        tileset_key=f"layers/{layer_id}/v000002/tileset.json",
    )


def test_each_layer_becomes_an_external_tileset_child_with_its_region() -> None:
    a = _layer("delft", (4.35, 51.99, 4.37, 52.01), -2.0, 80.0)
    b = _layer("roads x", (4.30, 51.98, 4.36, 52.00), 0.0, 5.0)
    doc = scene_tileset([a, b])
    assert doc["asset"]["version"] == "1.1"
    root = doc["root"]
    assert "content" not in root
    first, second = root["children"]
    assert first["content"] == {"uri": "layers/delft/tileset.json"}
    assert second["content"] == {"uri": "layers/roads%20x/tileset.json"}
    assert first["boundingVolume"]["region"] == pytest.approx(
        [
            math.radians(4.35),
            math.radians(51.99),
            math.radians(4.37),
            math.radians(52.01),
            -2.0,
            80.0,
        ]
    )
    union = root["boundingVolume"]["region"]
    assert union == pytest.approx(
        [
            math.radians(4.30),
            math.radians(51.98),
            math.radians(4.37),
            math.radians(52.01),
            -2.0,
            80.0,
        ]
    )
    assert root["geometricError"] == max(first["geometricError"], second["geometricError"])
    assert doc["geometricError"] >= root["geometricError"]


def test_a_layer_error_exceeds_its_diagonal_in_metres() -> None:
    layer = _layer("delft", (4.35, 52.0, 4.36, 52.01), 0.0, 0.0)
    # about 690 m east-west and 1,110 m north-south at this latitude
    assert 2 * 1300 < geometric_error(layer) < 2 * 1320


def test_no_layers_means_a_clear_not_found() -> None:
    with pytest.raises(NoPublishedLayersError) as caught:
        scene_tileset([])
    assert caught.value.http_status == 404
    assert caught.value.code == "no_published_layers"
