"""Open the configured store and catalog, bring the catalog up to date, publish a layer."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from storage.factory import open_catalog, open_object_store
from twin.pipeline.executor import TileCluster
from twin.pipeline.publish_buildings import PublishResult, publish_buildings
from twin.readers.footprints import FootprintSet
from twin.settings import BimSettings, Settings, TilingSettings

if TYPE_CHECKING:  # ifcopenshell loads only when an IFC is published
    from bim_ingest.georef import GeoOverride
    from twin.pipeline.publish_ifc import IfcPublishResult, IfcSubmission


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


def publish_ifc_file(
    path: Path,
    settings: Settings,
    *,
    layer: str,
    title: str | None,
    bim: BimSettings,
    override: GeoOverride | None,
    progress: bool,
    inspect: Callable[[IfcSubmission], None] | None = None,
) -> IfcPublishResult:
    """Read, check (``inspect`` may refuse) and publish one IFC submission.

    The geometry spill goes under the data directory (big models need disk, and /tmp may
    be in memory); it is removed when done.
    """
    from twin.pipeline.publish_ifc import publish_ifc, read_submission

    spill_parent = settings.data_dir / "tmp"
    spill_parent.mkdir(parents=True, exist_ok=True)
    store = open_object_store(settings)
    catalog = open_catalog(settings)
    try:
        catalog.migrate()
        with (
            tempfile.TemporaryDirectory(prefix="twin-ifc-", dir=spill_parent) as tmp,
            read_submission(
                path, bim=bim, override=override, spill_dir=Path(tmp), progress=progress
            ) as sub,
        ):
            if inspect is not None:
                inspect(sub)
            return publish_ifc(
                sub,
                layer=layer,
                store=store,
                catalog=catalog,
                bim=bim,
                title=title,
                progress=progress,
            )
    finally:
        catalog.close()
