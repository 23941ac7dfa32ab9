"""Version housekeeping shared by every publishing pipeline.

A publish reserves a version, writes under its own prefix and switches the layer
in one catalog transaction. These helpers undo a failed version and sweep the
leftovers of earlier ones (failed, killed, or replaced and no longer kept).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from twin.domain import BBox
from twin.naming import version_prefix
from twin.search.index_layer import sync_layer_index_safely

log = logging.getLogger("twin.pipeline")


def abandon_version(layer: str, version: int, store: ObjectStore, catalog: Catalog) -> None:
    """Mark ``version`` failed, drop its rows and delete its objects."""
    try:
        catalog.abandon_version(layer, version)
    finally:
        store.delete_prefix(version_prefix(layer, version))


def reserve_version(
    layer: str, *, kind: str, title: str, crs: str, store: ObjectStore, catalog: Catalog
) -> tuple[int, str]:
    """Create or update the layer, sweep leftovers (keeping the current version) and reserve
    a new, invisible version; its number and object prefix."""
    catalog.ensure_layer(layer, kind=kind, title=title, crs=crs)
    remove_stale_versions(
        layer, keep={catalog.get_layer(layer).version}, store=store, catalog=catalog
    )
    version = catalog.begin_version(layer)
    return version, version_prefix(layer, version)


def fail_version(layer: str, version: int, store: ObjectStore, catalog: Catalog) -> None:
    """A publish failed: say so and abandon its version (the caller re-raises)."""
    log.error("publish failed; version abandoned", extra={"layer": layer, "version": version})
    abandon_version(layer, version, store, catalog)


def remove_stale_versions(
    layer: str, *, keep: set[int | None], store: ObjectStore, catalog: Catalog
) -> None:
    """Drop the objects and rows of versions that are neither current nor kept.

    The catalog lists published-but-replaced versions and failed ones (a killed
    publish is marked failed by the next one). Before a publish only the current
    version is kept; after it, the previous one too, for clients still reading it.
    """
    for v in catalog.stale_versions(layer):
        if v not in keep:
            log.info("removing stale version", extra={"layer": layer, "version": v})
            abandon_version(layer, v, store, catalog)
    sync_layer_index_safely(layer, catalog)  # the search labels follow the current version


def put_tileset(store: ObjectStore, prefix: str, doc: dict[str, Any]) -> tuple[str, int]:
    """Write a version's tileset.json (the last object of a publish); its key and size."""
    body = json.dumps(doc, separators=(",", ":"), allow_nan=False).encode()
    key = prefix + "tileset.json"
    store.put_bytes(key, body, content_type="application/json")
    return key, len(body)


def extent_of(bounds_deg: Any) -> BBox:
    """The west, south, east, north around (n, 4) per-feature bounds in degrees."""
    return (
        float(bounds_deg[:, 0].min()),
        float(bounds_deg[:, 1].min()),
        float(bounds_deg[:, 2].max()),
        float(bounds_deg[:, 3].max()),
    )
