"""Keep a layer's search labels in step with its current version.

Called by ``twin.pipeline.versions.remove_stale_versions``, which every publisher runs
before reserving a version and again right after ``publish_version``: so the labels of a
newly published version are written just after it becomes current (one transaction that
also removes the previous version's), a failed or abandoned version is never indexed, and
a layer without a current version has no labels.
"""

from __future__ import annotations

import logging
import time

from storage.catalog.protocol import Catalog
from storage.search.store import SearchStore
from twin.errors import TwinError
from twin.search.build_labels import build_labels

log = logging.getLogger("twin.search")


def sync_layer_index(layer: str, catalog: Catalog) -> int | None:
    """Index the current version of ``layer`` unless it already is, and drop the labels of
    every other version; the version now indexed (None: the layer has no current version)."""
    store = SearchStore(catalog)
    record = catalog.get_layer(layer)
    current = record.version
    if current is None or store.indexed_version(layer) == current:
        store.drop_other_versions(layer, current)
        return current
    started = time.perf_counter()
    sources = store.feature_sources(layer, current)
    # computed before the write transaction, which then only inserts
    labels = list(build_labels(sources, record.attribute_schema, record.kind))
    if not store.replace_layer(layer, current, labels):
        log.info("search index skipped: the layer moved on", extra={"layer": layer})
        return None
    log.info(
        "search index updated",
        extra={
            "layer": layer,
            "version": current,
            "features": len(sources),
            "seconds": round(time.perf_counter() - started, 3),
        },
    )
    return current


def sync_layer_index_safely(layer: str, catalog: Catalog) -> None:
    """``sync_layer_index`` for the publish lifecycle: the version is published whatever
    happens here, so a failure is logged (and the layer's stale labels dropped if possible)
    rather than failing the publish."""
    try:
        sync_layer_index(layer, catalog)
    except TwinError:
        log.exception("search index update failed", extra={"layer": layer})
        try:
            SearchStore(catalog).drop_other_versions(layer, None)
        except TwinError:
            log.exception("search labels could not be dropped", extra={"layer": layer})
