"""Layers as the API shows them."""

from __future__ import annotations

from urllib.parse import quote

from scene_api.wire import LayerList, LayerOut
from storage.catalog.protocol import Catalog
from twin.domain import LayerRecord


def tileset_path(layer_id: str, root: str = "") -> str:
    return f"{root}/tiles/{quote(layer_id, safe='')}/tileset.json"


def layer_out(layer: LayerRecord, root: str = "") -> LayerOut:
    published = layer.version is not None and bool(layer.tileset_key)
    return {
        "id": layer.id,
        "kind": layer.kind,
        "title": layer.title,
        "tileset_url": tileset_path(layer.id, root) if published else None,
        "feature_count": layer.feature_count,
        "bbox": list(layer.bbox) if layer.bbox is not None else None,
        "zmin": layer.zmin,
        "zmax": layer.zmax,
        "version": layer.version,
        "attribute_schema": dict(layer.attribute_schema),
        "visible": layer.visible,
        "metadata": dict(layer.metadata),
    }


def list_layers(
    catalog: Catalog, root: str = "", hidden: frozenset[str] = frozenset()
) -> LayerList:
    """Every layer but the ``hidden`` ones (restricted layers the caller may not read)."""
    layers = sorted(
        (layer for layer in catalog.list_layers() if layer.id not in hidden),
        key=lambda layer: layer.id,
    )
    return {"layers": [layer_out(layer, root) for layer in layers]}


def get_layer(catalog: Catalog, layer_id: str, root: str = "") -> LayerOut:
    return layer_out(catalog.get_layer(layer_id), root)
