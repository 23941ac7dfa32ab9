"""Publish small layers the way every publisher does (twin.pipeline.versions lifecycle), so
the search index hook runs exactly as in production."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import box

from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from twin.domain import AttributeType, FeatureRows
from twin.pipeline.versions import (
    fail_version,
    put_tileset,
    remove_stale_versions,
    reserve_version,
)

SCHEMA: dict[str, AttributeType] = {"name": "string", "地址": "string", "height": "number"}


@dataclass(frozen=True)
class Named:
    id: str
    attributes: dict[str, Any] = field(default_factory=dict)
    lon: float = 114.05
    lat: float = 22.54
    zmax: float = 30.0
    cls: str = "building"


def _rows(features: Sequence[Named]) -> FeatureRows:
    geoms = [box(f.lon - 0.0005, f.lat - 0.0005, f.lon + 0.0005, f.lat + 0.0005) for f in features]
    return FeatureRows(
        ids=[f.id for f in features],
        classes=[f.cls for f in features],
        parent_ids=[None] * len(features),
        attributes_json=[json.dumps(f.attributes, ensure_ascii=False) for f in features],
        footprints_wkb=shapely.to_wkb(np.asarray(geoms, dtype=object)).tolist(),
        bboxes=np.asarray([g.bounds for g in geoms], dtype=np.float64),
        zmin=np.zeros(len(features)),
        zmax=np.asarray([f.zmax for f in features], dtype=np.float64),
        content_keys=["t/0.glb"] * len(features),
    )


def publish_named(
    catalog: Catalog,
    store: ObjectStore,
    layer: str,
    features: Sequence[Named],
    *,
    schema: Mapping[str, AttributeType] = SCHEMA,
    kind: str = "buildings",
    fail: bool = False,
) -> int:
    """Publish ``features`` as a new version of ``layer``; with ``fail`` the publish breaks
    after loading its rows (and its version is abandoned, as a publisher does)."""
    version, prefix = reserve_version(
        layer, kind=kind, title=layer, crs="EPSG:4326", store=store, catalog=catalog
    )
    try:
        catalog.add_features(layer, version, _rows(features))
        if fail:
            raise RuntimeError("the publish broke")
        key, _ = put_tileset(store, prefix, {"asset": {"version": "1.1"}})
        previous = catalog.publish_version(
            layer,
            version,
            tileset_key=key,
            bbox=(113.9, 22.4, 114.2, 22.7),
            zmin=0.0,
            zmax=max(f.zmax for f in features),
            attribute_schema=schema,
        )
    except BaseException:
        fail_version(layer, version, store, catalog)
        raise
    remove_stale_versions(layer, keep={version, previous}, store=store, catalog=catalog)
    return version
