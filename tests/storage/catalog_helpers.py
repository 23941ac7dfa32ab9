"""Builders of catalog rows for the catalog tests."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from storage.catalog.protocol import Catalog
from twin.domain import AttributeType, FeatureRows


@dataclass(frozen=True)
class Feat:
    id: str
    geom: shapely.Geometry
    attributes: Mapping[str, Any] = field(default_factory=dict)
    cls: str = "building"
    parent_id: str | None = None
    zmin: float = 0.0
    zmax: float = 10.0


def square(x: float, y: float, size: float = 1.0) -> shapely.Geometry:
    return shapely.box(x, y, x + size, y + size)


def feature_rows(features: Sequence[Feat]) -> FeatureRows:
    geoms = [f.geom for f in features]
    bboxes = np.array([shapely.bounds(g) for g in geoms], dtype=np.float64).reshape(-1, 4)
    return FeatureRows(
        ids=[f.id for f in features],
        classes=[f.cls for f in features],
        parent_ids=[f.parent_id for f in features],
        attributes_json=[json.dumps(f.attributes) for f in features],
        footprints_wkb=[shapely.to_wkb(g) for g in geoms],
        bboxes=bboxes,
        zmin=np.array([f.zmin for f in features], dtype=np.float64),
        zmax=np.array([f.zmax for f in features], dtype=np.float64),
        content_keys=[f"layers/{f.id.split(':')[0]}/content/{f.id}.glb" for f in features],
    )


def publish(
    catalog: Catalog,
    layer: str,
    features: Sequence[Feat],
    schema: Mapping[str, AttributeType] | None = None,
) -> int:
    """Create ``layer`` if needed and publish ``features`` as its new version."""
    catalog.ensure_layer(layer, kind="buildings", title=layer.title(), crs="EPSG:28992")
    version = catalog.begin_version(layer)
    catalog.add_features(layer, version, feature_rows(features))
    publish_built(catalog, layer, version, features, schema)
    return version


def publish_built(
    catalog: Catalog,
    layer: str,
    version: int,
    features: Sequence[Feat],
    schema: Mapping[str, AttributeType] | None = None,
) -> int | None:
    w, s, e, n = shapely.total_bounds([f.geom for f in features])
    return catalog.publish_version(
        layer,
        version,
        tileset_key=f"layers/{layer}/v{version}/tileset.json",
        bbox=(float(w), float(s), float(e), float(n)),
        zmin=min(f.zmin for f in features),
        zmax=max(f.zmax for f in features),
        attribute_schema=schema or {},
    )
