"""``/scene/tileset.json``: one 3D Tiles 1.1 tileset with every visible layer.

The root has no content; each child is one published, visible layer whose
content is that layer's live tileset as an external tileset. Child URIs are
relative and point below the scene (``layers/{layer}/tileset.json``, served at
``/scene/layers/{layer}/tileset.json`` with the layer's contents under it), so:

* the scene keeps working when the app is served under a path prefix;
* a client that saves the scene keeps every file below the scene's folder, where
  tools that refuse URIs leading above a tileset's own folder (the official 3D
  Tiles validator among them) resolve them. ``/tiles/{layer}/...`` still serves
  the same documents for clients that use it.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any
from urllib.parse import quote

from storage.catalog.protocol import Catalog
from twin.domain import LayerRecord
from twin.errors import NotFoundError

_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON_EQUATOR = 111_320.0


class NoPublishedLayersError(NotFoundError):
    code = "no_published_layers"
    default_message = "no layer is published yet: ingest a layer first"


def region(layer: LayerRecord) -> list[float]:
    """The layer's 3D Tiles bounding region: radians west, south, east, north, then heights."""
    assert layer.bbox is not None
    west, south, east, north = layer.bbox
    zmin = layer.zmin if layer.zmin is not None and math.isfinite(layer.zmin) else 0.0
    zmax = layer.zmax if layer.zmax is not None and math.isfinite(layer.zmax) else zmin
    radians = [math.radians(v) for v in (west, south, east, north)]
    return [*radians, float(zmin), float(max(zmin, zmax))]


def geometric_error(layer: LayerRecord) -> float:
    """Twice the diagonal of the layer's bounding box in metres: the layer refines into
    its own tileset long before its root would be too coarse."""
    assert layer.bbox is not None
    west, south, east, north = layer.bbox
    mid_lat = math.radians((south + north) / 2)
    dx = (east - west) * _M_PER_DEG_LON_EQUATOR * math.cos(mid_lat)
    dy = (north - south) * _M_PER_DEG_LAT
    dz = (layer.zmax or 0.0) - (layer.zmin or 0.0)
    diagonal = math.sqrt(dx * dx + dy * dy + dz * dz)
    return max(2.0 * diagonal, 1.0) if math.isfinite(diagonal) else 1.0


def scene_layer_uri(layer_id: str) -> str:
    """The URI of a layer's tileset relative to the scene's tileset.json."""
    return f"layers/{quote(layer_id, safe='')}/tileset.json"


def scene_layers(catalog: Catalog, hidden: frozenset[str] = frozenset()) -> list[LayerRecord]:
    """The visible published layers, but the ``hidden`` ones (restricted, for this caller)."""
    return sorted(
        (
            layer
            for layer in catalog.list_layers()
            if layer.visible
            and layer.version is not None
            and layer.tileset_key
            and layer.bbox
            and layer.id not in hidden
        ),
        key=lambda layer: layer.id,
    )


def scene_tileset(layers: list[LayerRecord]) -> dict[str, Any]:
    if not layers:
        raise NoPublishedLayersError()
    regions = [region(layer) for layer in layers]
    errors = [geometric_error(layer) for layer in layers]
    children = [
        {
            "boundingVolume": {"region": box},
            "geometricError": error,
            "refine": "ADD",
            "content": {"uri": scene_layer_uri(layer.id)},
        }
        for layer, box, error in zip(layers, regions, errors, strict=True)
    ]
    union = [
        *(min(r[i] for r in regions) for i in (0, 1)),
        *(max(r[i] for r in regions) for i in (2, 3)),
        min(r[4] for r in regions),
        max(r[5] for r in regions),
    ]
    versions = ",".join(f"{layer.id}={layer.version}" for layer in layers)
    return {
        "asset": {
            "version": "1.1",
            "tilesetVersion": hashlib.sha256(versions.encode()).hexdigest()[:16],
            "generator": "twin scene_api",
        },
        "geometricError": max(errors),
        "root": {
            "boundingVolume": {"region": union},
            "geometricError": max(errors),
            "refine": "ADD",
            "children": children,
        },
    }


def scene_tileset_bytes(catalog: Catalog, hidden: frozenset[str] = frozenset()) -> bytes:
    doc = scene_tileset(scene_layers(catalog, hidden))
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
