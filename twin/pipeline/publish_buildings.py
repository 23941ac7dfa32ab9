"""Publish a set of footprints as a new version of a buildings layer.

The order of work makes publishing atomic:

1. reserve a new version in the catalog (status "building", invisible);
2. workers write every tile content under the version's own prefix;
3. the catalog rows of the version are bulk-loaded, still invisible;
4. tileset.json is written last, under the same prefix;
5. one catalog transaction makes the version current.

A failure in 2-5 abandons the version and removes its objects; a killed process
leaves an invisible version behind, which the next publish of the layer
removes. Readers never see a half-written layer.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from tiles.build_tile import TileResult
from tiles.layout import PlacedFootprints, estimated_bytes, place_footprints
from tiles.partition import PartitionLimits, TileNode, partition
from tiles.tile_source import TileJob, TileSource
from tiles.tileset import tileset_json
from twin.domain import FeatureRows
from twin.naming import validate_layer_id
from twin.pipeline.versions import (
    extent_of,
    fail_version,
    put_tileset,
    remove_stale_versions,
    reserve_version,
)
from twin.readers.crs import crs_label
from twin.readers.footprints import FootprintSet, IngestReport
from twin.settings import TilingSettings

if TYPE_CHECKING:  # Dask is imported only when a layer is tiled on it
    from distributed import Client

log = logging.getLogger("twin.pipeline")
ROW_BATCH = 50_000


@dataclass(frozen=True)
class PublishResult:
    layer: str
    version: int
    previous_version: int | None
    tileset_key: str
    feature_count: int
    tile_count: int
    stored_bytes: int
    glb_bytes: int
    seconds: float
    report: IngestReport | None

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in vars(self).items() if k != "report"}
        out["report"] = self.report.to_dict() if self.report else None
        return out


def publish_buildings(
    fps: FootprintSet,
    *,
    store: ObjectStore,
    catalog: Catalog,
    tiling: TilingSettings,
    client: Client | Callable[[], Client] | None = None,
    title: str | None = None,
    progress: bool = False,
) -> PublishResult:
    """Publish ``fps`` as a new version of its layer.

    ``client`` is the Dask cluster that builds the tiles, or a function that waits for
    one (called only after the main-process work); None builds them in a local pool of
    ``tiling.local_workers`` (small layers: no cluster start-up). The result is the same.
    """
    started = time.perf_counter()
    layer = validate_layer_id(fps.layer)
    version, prefix = reserve_version(
        layer,
        kind="buildings",
        title=title or layer,
        crs=crs_label(fps.crs),
        store=store,
        catalog=catalog,
    )
    log.info("publish started", extra={"layer": layer, "version": version, "features": len(fps)})
    clock = _Stopwatch()
    try:
        placed = place_footprints(fps.geometries, fps.crs, fps.base, fps.top)
        clock.lap("place")
        limits = PartitionLimits(tiling.max_features_per_tile, tiling.max_bytes_per_tile)
        tree = partition(
            placed.centre[:, 0],
            placed.centre[:, 1],
            placed.size,
            estimated_bytes(placed.vertex_count),
            limits,
        )
        nodes = [n for n in tree.walk() if len(n.content)]
        content_of = _content_index(nodes, len(fps))
        clock.lap("partition")
        source = TileSource(
            placed=dataclasses.replace(placed, lonlat_wkb=np.empty(0, dtype=object)),
            feature_ids=np.asarray(fps.feature_ids, dtype=object),
            attributes=fps.attributes,
            schema=dict(fps.schema),
        )
        jobs = [TileJob(prefix + _content_uri(n.address), n.content) for n in nodes]
        results = _build_tiles(
            client,
            source,
            store,
            jobs,
            functools.partial(_load_rows, catalog, layer, version, fps, placed, nodes, content_of),
            tiling,
            label=layer,
            progress=progress,
        )
        clock.lap("tiles_and_rows")
        doc = tileset_json(
            tree,
            frame=placed.frame,
            bounds_deg=placed.bounds_deg,
            zmin=placed.base,
            zmax=placed.top,
            content_uri=_content_uri,
            version=f"v{version:06d}",
            properties={"layer": layer, "features": len(fps)},
        )
        tileset_key, tileset_bytes = put_tileset(store, prefix, doc)
        b = placed.bounds_deg
        previous = catalog.publish_version(
            layer,
            version,
            tileset_key=tileset_key,
            bbox=extent_of(b),
            zmin=float(placed.base.min()),
            zmax=float(placed.top.max()),
            attribute_schema=fps.schema,
        )
        clock.lap("publish")
    except BaseException:
        fail_version(layer, version, store, catalog)
        raise
    remove_stale_versions(layer, keep={version, previous}, store=store, catalog=catalog)
    seconds = time.perf_counter() - started
    result = PublishResult(
        layer=layer,
        version=version,
        previous_version=previous,
        tileset_key=tileset_key,
        feature_count=len(fps),
        tile_count=len(results),
        stored_bytes=sum(r.stored_bytes for r in results) + tileset_bytes,
        glb_bytes=sum(r.glb_bytes for r in results),
        seconds=seconds,
        report=fps.report,
    )
    summary = {k: v for k, v in result.to_dict().items() if k != "report"}
    log.info("publish done", extra={**summary, "stages_s": clock.laps})
    return result


class _Stopwatch:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 3)
        self._last = now


def _content_uri(address: str) -> str:
    return f"t/{address}.glb"


def _build_tiles(
    client: Client | Callable[[], Client] | None,
    source: TileSource,
    store: ObjectStore,
    jobs: list[TileJob],
    load_rows: Callable[[], None],
    tiling: TilingSettings,
    *,
    label: str,
    progress: bool,
) -> list[TileResult]:
    """Build every tile while ``load_rows`` loads the catalog rows."""
    if client is None:
        from twin.pipeline.local_tiles import LocalTilePool

        workers = tiling.local_workers(os.cpu_count() or 1)
        with LocalTilePool(
            source, store, gzip_level=tiling.gzip_level, workers=workers,
            processes=tiling.processes,
        ) as pool:  # fmt: skip
            return pool.run(jobs, meanwhile=load_rows, label=label, progress=progress)

    from distributed import Client

    from twin.pipeline.dask_tiles import run_dask_tiles

    rows = _RowLoader(load_rows)
    rows.start()
    try:
        return run_dask_tiles(
            # a cluster still starting is waited for only now, after the main-process work
            client if isinstance(client, Client) else client(),
            source,
            store,
            jobs,
            gzip_level=tiling.gzip_level,
            label=label,
            progress=progress,
        )
    finally:
        rows.join()


def _content_index(nodes: list[TileNode], n: int) -> npt.NDArray[np.int64]:
    content_of = np.full(n, -1, dtype=np.int64)
    for i, node in enumerate(nodes):
        content_of[node.content] = i
    return content_of


class _RowLoader(threading.Thread):
    """Runs ``load`` (the catalog rows) while Dask builds tiles; re-raises in ``join``."""

    def __init__(self, load: Callable[[], None]) -> None:
        super().__init__(name="twin-catalog-rows", daemon=True)
        self._load = load
        self._error: BaseException | None = None

    def run(self) -> None:
        try:
            self._load()
        except BaseException as exc:  # handed to the main thread in join()
            self._error = exc

    def join(self, timeout: float | None = None) -> None:
        super().join(timeout)
        if self._error is not None:
            raise self._error


def _load_rows(
    catalog: Catalog,
    layer: str,
    version: int,
    fps: FootprintSet,
    placed: PlacedFootprints,
    nodes: list[TileNode],
    content_of: npt.NDArray[np.int64],
) -> None:
    # rows go in tile order: neighbours together, which keeps spatial index inserts cheap;
    # attributes are turned into JSON one batch at a time to bound memory
    order = np.argsort(content_of, kind="stable")
    keys = np.array([_content_uri(n.address) for n in nodes], dtype=object)
    ids = np.asarray(fps.feature_ids, dtype=object)
    parents = (
        fps.parent_ids if fps.parent_ids is not None else np.full(len(ids), None, dtype=object)
    )
    for lo in range(0, len(ids), ROW_BATCH):
        idx = order[lo : lo + ROW_BATCH]
        if fps.schema:
            frame = fps.attributes.iloc[idx]
            lines = frame.to_json(orient="records", lines=True, force_ascii=False).splitlines()
        else:  # nothing but geometry and ids: the attribute frame may have no rows at all
            lines = ["{}"] * len(idx)
        catalog.add_features(
            layer,
            version,
            FeatureRows(
                ids=ids[idx].tolist(),
                classes=["building"] * len(idx),
                parent_ids=parents[idx].tolist(),
                attributes_json=lines,
                footprints_wkb=placed.lonlat_wkb[idx].tolist(),
                bboxes=placed.bounds_deg[idx],
                zmin=placed.base[idx],
                zmax=placed.top[idx],
                content_keys=keys[content_of[idx]].tolist(),
            ),
        )
