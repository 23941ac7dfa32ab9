"""Open the configured store and catalog, bring the catalog up to date, publish a layer."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from storage.catalog.protocol import Catalog
from storage.factory import open_catalog, open_object_store
from storage.objects.protocol import ObjectStore
from twin.pipeline.publish_buildings import PublishResult, publish_buildings
from twin.readers.footprints import FootprintSet
from twin.settings import BimSettings, Settings, TilingSettings

if TYPE_CHECKING:  # ifcopenshell loads only when an IFC is published, Dask for big layers
    from bim_ingest.georef import GeoOverride
    from twin.pipeline.executor import TileCluster
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
    """Publish on ``cluster`` if the layer is big enough to need Dask (or the cluster was
    started already), else in a local pool.

    A big layer's cluster is started here if it is not yet, so that it boots while the
    footprints are placed and partitioned; a small layer never starts one.
    """
    dask = cluster.started or tiling.runs_on_dask(len(fps))
    if dask:
        cluster.start()
    with backends(settings) as (store, catalog):
        return publish_buildings(
            fps,
            store=store,
            catalog=catalog,
            client=cluster.client if dask else None,
            tiling=tiling,
            title=title,
            progress=progress,
        )


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
    with (
        backends(settings) as (store, catalog),
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


@contextmanager
def backends(settings: Settings) -> Iterator[tuple[ObjectStore, Catalog]]:
    """The configured object store and catalog (migrated); the catalog is closed on exit."""
    store = open_object_store(settings)
    catalog = open_catalog(settings)
    try:
        catalog.migrate()
        yield store, catalog
    finally:
        catalog.close()


class _Reportable(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


def write_report(path: Path | None, result: _Reportable) -> None:
    """``--report FILE``: the publish result as JSON."""
    if path is not None:
        path.write_text(
            json.dumps(result.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8"
        )
