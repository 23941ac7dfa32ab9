"""Open the configured store and catalog, bring the catalog up to date, publish footprints."""

from __future__ import annotations

from storage.factory import open_catalog, open_object_store
from twin.pipeline.executor import TileCluster
from twin.pipeline.publish_buildings import PublishResult, publish_buildings
from twin.readers.footprints import FootprintSet
from twin.settings import Settings, TilingSettings


def publish_with_settings(
    fps: FootprintSet,
    settings: Settings,
    *,
    tiling: TilingSettings,
    cluster: TileCluster,
    title: str | None,
    progress: bool,
) -> PublishResult:
    store = open_object_store(settings)
    catalog = open_catalog(settings)
    try:
        catalog.migrate()
        return publish_buildings(
            fps,
            store=store,
            catalog=catalog,
            client=cluster.client,
            tiling=tiling,
            title=title,
            progress=progress,
        )
    finally:
        catalog.close()
