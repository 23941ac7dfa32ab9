"""Single features and feature queries."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from scene_api.services.filters import parse_filters
from scene_api.services.params import parse_bbox, parse_polygon, parse_sort
from scene_api.wire import FeatureOut
from storage.catalog.protocol import Catalog
from twin.domain import (
    AttributeFilter,
    FeaturePage,
    FeatureQuery,
    FeatureRecord,
    LayerRecord,
    SortKey,
)


@dataclass(frozen=True)
class QueryParams:
    """The raw query parameters of ``GET /api/layers/{layer}/features``."""

    bbox: str | None = None
    polygon: str | None = None
    filters: Sequence[str] = ()
    sort: str | None = None
    limit: int = 100
    offset: int = 0


def finite(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def relative_tile(layer: LayerRecord, content_key: str) -> str:
    """A feature's content key relative to its layer's tileset (as tileset.json names it)."""
    if layer.tileset_key and "/" in layer.tileset_key:
        prefix = layer.tileset_key.rpartition("/")[0] + "/"
        if content_key.startswith(prefix):
            return content_key[len(prefix) :]
    return content_key


def feature_out(feature: FeatureRecord, layer: LayerRecord, root: str = "") -> FeatureOut:
    tile = relative_tile(layer, feature.content_key) if feature.content_key else None
    layer_path = quote(feature.layer, safe="")
    return {
        "id": feature.id,
        "layer": feature.layer,
        "class_": feature.cls,
        "parent_id": feature.parent_id,
        "attributes": dict(feature.attributes),
        "bbox": [float(v) for v in feature.bbox],
        "zmin": float(feature.zmin),
        "zmax": float(feature.zmax),
        "version": feature.version,
        "tile": tile,
        "tile_url": (
            f"{root}/tiles/{layer_path}/v/{feature.version}/{quote(tile)}" if tile else None
        ),
    }


def get_feature(
    catalog: Catalog, feature_id: str, root: str = "", layer: str | None = None
) -> FeatureOut:
    feature = catalog.get_feature(feature_id, layer)
    return feature_out(feature, catalog.get_layer(feature.layer), root)


def query_features(catalog: Catalog, layer_id: str, params: QueryParams) -> FeaturePage:
    layer = catalog.get_layer(layer_id)
    query = FeatureQuery(
        layer=layer.id,
        bbox=parse_bbox(params.bbox),
        polygon_wkb=parse_polygon(params.polygon),
        filters=parse_filters(params.filters, layer.attribute_schema),
        sort=parse_sort(params.sort),
        limit=params.limit,
        offset=params.offset,
    )
    return catalog.query_features(query)


def children(
    catalog: Catalog,
    feature_id: str,
    *,
    limit: int = 100,
    offset: int = 0,
    layer: str | None = None,
) -> FeaturePage:
    """The direct children of a feature (``parent_id`` = its id), in its layer, by id."""
    parent = catalog.get_feature(feature_id, layer)
    query = FeatureQuery(
        layer=parent.layer,
        filters=(AttributeFilter("parent_id", "=", parent.id),),
        sort=(SortKey("id"),),
        limit=limit,
        offset=offset,
    )
    return catalog.query_features(query)


def feature_properties(feature: FeatureRecord) -> dict[str, Any]:
    props: dict[str, Any] = dict(feature.attributes)
    props.update(
        {
            "id": feature.id,
            "class": feature.cls,
            "parent_id": feature.parent_id,
            "zmin": finite(feature.zmin),
            "zmax": finite(feature.zmax),
        }
    )
    return props
