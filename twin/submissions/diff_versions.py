"""What changed between two versions of a submission, element by element (GlobalId):
added, removed, and changed geometry (footprint, height range) or properties."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import shapely

from storage.catalog.protocol import Catalog
from twin.domain import FeatureQuery, FeatureRecord

PAGE = 5000
GEOMETRY_TOLERANCE_M = 0.01
_M_PER_DEG = 111_320.0
IGNORED = frozenset({"storey_id"})  # bookkeeping that follows from the hierarchy


def _features(catalog: Catalog, layer: str) -> Iterator[FeatureRecord]:
    offset = 0
    while True:
        page = catalog.query_features(FeatureQuery(layer=layer, limit=PAGE, offset=offset))
        yield from page.features
        offset += len(page.features)
        if not page.features or offset >= page.total:
            return


def _geometry_changed(a: FeatureRecord, b: FeatureRecord) -> bool:
    if abs(a.zmin - b.zmin) > GEOMETRY_TOLERANCE_M or abs(a.zmax - b.zmax) > GEOMETRY_TOLERANCE_M:
        return True
    if a.footprint_wkb == b.footprint_wkb:
        return False
    ga, gb = shapely.from_wkb(a.footprint_wkb), shapely.from_wkb(b.footprint_wkb)
    tolerance_deg = GEOMETRY_TOLERANCE_M / _M_PER_DEG
    return float(shapely.hausdorff_distance(ga, gb)) > tolerance_deg


def _property_changes(a: FeatureRecord, b: FeatureRecord) -> dict[str, Any]:
    keys = (set(a.attributes) | set(b.attributes)) - IGNORED
    return {
        k: {"before": a.attributes.get(k), "after": b.attributes.get(k)}
        for k in sorted(keys)
        if a.attributes.get(k) != b.attributes.get(k)
    }


def diff_layers(
    catalog: Catalog, before: str, after: str, *, max_listed: int = 5000
) -> dict[str, Any]:
    """Compare two published layers by feature id (an IFC layer's ids are GlobalIds)."""
    old = {f.id: f for f in _features(catalog, before)}
    new = {f.id: f for f in _features(catalog, after)}
    added = sorted(new.keys() - old.keys())
    removed = sorted(old.keys() - new.keys())
    changed: list[dict[str, Any]] = []
    for gid in sorted(old.keys() & new.keys()):
        a, b = old[gid], new[gid]
        geometry = _geometry_changed(a, b)
        props = _property_changes(a, b)
        if geometry or props:
            changed.append({"id": gid, "class": b.cls, "geometry": geometry, "properties": props})
    return {
        "before": before,
        "after": after,
        "counts": {
            "added": len(added),
            "removed": len(removed),
            "changed": len(changed),
            "geometry_changed": sum(1 for c in changed if c["geometry"]),
            "properties_changed": sum(1 for c in changed if c["properties"]),
            "unchanged": len(old.keys() & new.keys()) - len(changed),
        },
        "added": added[:max_listed],
        "removed": removed[:max_listed],
        "changed": changed[:max_listed],
        "truncated": max(len(added), len(removed), len(changed)) > max_listed,
    }
