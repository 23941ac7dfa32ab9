"""Publish a BIM (IFC) submission as a new version of a layer: element tiles + catalog rows.

Everything is read and checked before anything is written (open, semantics,
georeference, geometry streamed to a disk spill); then the version is published
the same atomic way as buildings (:mod:`twin.pipeline.publish_buildings`):
reserve a version, write its tiles under its own prefix, load its rows, write
tileset.json last, switch the layer in one transaction. A failure abandons the
version; the layer stays as it was.
"""

from __future__ import annotations

import gzip
import logging
import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

from bim_ingest.geometry import GeometryFailure, SpilledGeometry, stream_geometry
from bim_ingest.georef import GeoOverride, Georeference, georeference
from bim_ingest.open_ifc import open_ifc
from bim_ingest.semantics import ElementInfo, Semantics, read_semantics, tile_properties
from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from tiles.element_tile import ElementMeshArrays, encode_element_tile
from tiles.gltf import PropertyColumn, PropertyTable
from tiles.partition import PartitionLimits, TileNode
from tiles.partition_groups import partition_groups
from tiles.tileset import tileset_json
from twin.errors import IngestError
from twin.naming import validate_layer_id
from twin.pipeline.ifc_rows import PlacedElements, element_rows, frame_to_lonlat
from twin.pipeline.versions import (
    extent_of,
    fail_version,
    put_tileset,
    remove_stale_versions,
    reserve_version,
)
from twin.settings import BimSettings

log = logging.getLogger("twin.pipeline")
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

#: the columns of the tile metadata (EXT_structural_metadata), in order, with their types.
#: Yes/no properties are strings "true"/"false": a BOOLEAN property cannot say "unknown"
#: (no noData), and one type in every tile keeps styles such as ``${is_external} === 'true'``
#: working across the whole layer.
TILE_COLUMNS: dict[str, Any] = {
    "id": "string",
    "class": "string",
    "name": "string",
    "storey": "string",
    "storey_id": "string",
    "predefined_type": "string",
    "tag": "string",
    "is_external": "string",
    "load_bearing": "string",
    "fire_rating": "string",
    "material": "string",
}


@dataclass(frozen=True)
class IfcIngestReport:
    file: str
    schema: str
    georeference: dict[str, Any]
    warnings: tuple[str, ...]
    elements: int  # elements with geometry: the features in the tiles
    features: int  # catalog rows: elements and their containers
    failures: tuple[GeometryFailure, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "schema": self.schema,
            "georeference": self.georeference,
            "warnings": list(self.warnings),
            "elements": self.elements,
            "features": self.features,
            "failures": [
                {"global_id": f.global_id, "class": f.ifc_class, "message": f.message}
                for f in self.failures
            ],
        }


@dataclass(frozen=True)
class IfcSubmission:
    """A parsed, georeferenced model whose geometry waits in a disk spill."""

    label: str
    semantics: Semantics
    georef: Georeference
    geometry: SpilledGeometry


@dataclass(frozen=True)
class IfcPublishResult:
    layer: str
    version: int
    previous_version: int | None
    tileset_key: str
    element_count: int
    feature_count: int
    tile_count: int
    stored_bytes: int
    glb_bytes: int
    seconds: float
    report: IfcIngestReport

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in vars(self).items() if k != "report"}
        out["report"] = self.report.to_dict()
        return out


@contextmanager
def read_submission(
    path: Path,
    *,
    bim: BimSettings,
    override: GeoOverride | None = None,
    spill_dir: Path,
    progress: bool = False,
) -> Iterator[IfcSubmission]:
    """Open, describe, georeference and triangulate a model; the spill lives until exit."""
    model = open_ifc(path)
    semantics = read_semantics(model)
    georef = georeference(model, override=override, fallback_origin=bim.default_origin)
    matrix = np.asarray(georef.matrix, dtype=np.float64).reshape(4, 4)
    bar = tqdm(desc=f"geometry {path.name}", unit="element", disable=not progress)

    def advance(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    try:
        geometry = stream_geometry(
            model,
            matrix=matrix,
            spill_dir=spill_dir,
            threads=bim.geometry_threads,
            progress=advance,
        )
    finally:
        bar.close()
    del model  # the spill and the semantics hold all that is needed from here on
    try:
        if not geometry.global_ids:
            raise IngestError(f"{path.name}: no element of the model has any geometry")
        yield IfcSubmission(path.name, semantics, georef, geometry)
    finally:
        geometry.spill.close()


def publish_ifc(
    sub: IfcSubmission,
    *,
    layer: str,
    store: ObjectStore,
    catalog: Catalog,
    bim: BimSettings,
    title: str | None = None,
    progress: bool = False,
) -> IfcPublishResult:
    started = time.perf_counter()
    layer = validate_layer_id(layer)
    geo, geom = sub.georef, sub.geometry
    version, prefix = reserve_version(
        layer, kind="bim", title=title or layer, crs=geo.crs, store=store, catalog=catalog
    )
    infos = [sub.semantics.elements.get(gid) for gid in geom.global_ids]
    log.info(
        "bim publish started", extra={"layer": layer, "version": version, "elements": len(infos)}
    )
    try:
        tree = _partition(geom, infos, bim)
        nodes = [n for n in tree.walk() if len(n.content)]
        tiles = _build_tiles(nodes, geom, infos, store, prefix, bim, progress, layer)
        placed = _placed(geom, infos, tiles, sub.georef)
        rows = element_rows(
            placed,
            sub.semantics.elements,
            (geo.frame.lon, geo.frame.lat),
            geo.frame.height,
        )
        catalog.add_features(layer, version, rows)
        bounds_deg = np.asarray(rows.bboxes[: len(infos)], dtype=np.float64)
        doc = tileset_json(
            tree,
            frame=geo.frame,
            bounds_deg=bounds_deg,
            zmin=placed.zmin,
            zmax=placed.zmax,
            content_uri=_content_uri,
            version=f"v{version:06d}",
            properties={"layer": layer, "features": len(infos), "source": sub.label},
        )
        tileset_key, tileset_bytes = put_tileset(store, prefix, doc)
        report = IfcIngestReport(
            file=sub.label,
            schema=sub.semantics.schema_version,
            georeference=geo.to_dict(),
            warnings=tuple(geo.warnings),
            elements=len(infos),
            features=len(rows),
            failures=geom.failures,
        )
        previous = catalog.publish_version(
            layer,
            version,
            tileset_key=tileset_key,
            bbox=extent_of(bounds_deg),
            zmin=float(placed.zmin.min()),
            zmax=float(placed.zmax.max()),
            attribute_schema=sub.semantics.attribute_schema,
            metadata={
                "schema": sub.semantics.schema_version,
                "source_file": sub.label,
                "georeference": geo.to_dict(),
                "elements": len(infos),
                "geometry_failures": len(geom.failures),
            },
        )
    except BaseException:
        fail_version(layer, version, store, catalog)
        raise
    remove_stale_versions(layer, keep={version, previous}, store=store, catalog=catalog)
    result = IfcPublishResult(
        layer=layer,
        version=version,
        previous_version=previous,
        tileset_key=tileset_key,
        element_count=len(infos),
        feature_count=len(rows),
        tile_count=len(nodes),
        stored_bytes=sum(t.stored_bytes for t in tiles.values()) + tileset_bytes,
        glb_bytes=sum(t.glb_bytes for t in tiles.values()),
        seconds=time.perf_counter() - started,
        report=report,
    )
    log.info(
        "bim publish done",
        extra={k: v for k, v in result.to_dict().items() if k != "report"},
    )
    return result


def _content_uri(address: str) -> str:
    return f"t/{address}.glb"


def _partition(
    geom: SpilledGeometry, infos: Sequence[ElementInfo | None], bim: BimSettings
) -> TileNode:
    """Storey-aware: one subtree per storey (by elevation), elements outside storeys last."""
    b = geom.bounds
    centre = (b[:, :2] + b[:, 3:5]) / 2
    size = np.maximum(np.hypot(b[:, 3] - b[:, 0], b[:, 4] - b[:, 1]), b[:, 5] - b[:, 2])
    nbytes = geom.vertex_counts * 20.0 + geom.triangle_counts * 12.0
    levels: dict[str, float] = {}
    for info in infos:
        if info is not None and info.storey_id is not None and info.storey_id not in levels:
            elevation = info.storey_elevation
            levels[info.storey_id] = elevation if elevation is not None else 0.0
    ranked = sorted(levels, key=lambda k: (levels[k], k))
    rank = {k: i for i, k in enumerate(ranked)}
    outside = len(ranked)  # elements in no storey: the last group
    group = np.array(
        [rank[i.storey_id] if i is not None and i.storey_id else outside for i in infos],
        dtype=np.int64,
    )
    limits = PartitionLimits(bim.max_elements_per_tile, bim.max_bytes_per_tile)
    return partition_groups(group, centre[:, 0], centre[:, 1], size, nbytes, limits)


@dataclass(frozen=True)
class _Tile:
    key: str
    rows: I64
    hulls: npt.NDArray[np.object_]
    glb_bytes: int
    stored_bytes: int


def _table(rows: I64, geom: SpilledGeometry, infos: Sequence[ElementInfo | None]) -> PropertyTable:
    values: dict[str, list[Any]] = {name: [] for name in TILE_COLUMNS}
    for r in rows.tolist():
        info = infos[r]
        main = tile_properties(info) if info is not None else {}
        values["id"].append(geom.global_ids[r])
        values["class"].append(info.ifc_class if info else geom.ifc_classes[r])
        values["name"].append(info.name if info else None)
        values["storey"].append(info.storey if info else None)
        values["storey_id"].append(info.storey_id if info else None)
        for key in ("predefined_type", "tag", "fire_rating", "material"):
            values[key].append(main.get(key))
        for key in ("is_external", "load_bearing"):
            flag = main.get(key)
            values[key].append(None if flag is None else ("true" if flag else "false"))
    columns = {name: PropertyColumn(kind, values[name]) for name, kind in TILE_COLUMNS.items()}
    return PropertyTable(class_name="element", columns=columns, count=len(rows))


def _build_tile(
    node: TileNode,
    geom: SpilledGeometry,
    infos: Sequence[ElementInfo | None],
    store: ObjectStore,
    prefix: str,
) -> _Tile:
    meshes = geom.spill.read(node.content)
    encoded = encode_element_tile(
        ElementMeshArrays(
            positions=meshes.positions,
            normals=meshes.normals,
            colors=meshes.colors,
            feature_ids=meshes.feature_ids,
            indices=meshes.indices,
        ),
        _table(node.content, geom, infos),
    )
    data = gzip.compress(encoded.glb, compresslevel=6, mtime=0)
    key = prefix + _content_uri(node.address)
    store.put_bytes(key, data, content_type="model/gltf-binary", content_encoding="gzip")
    return _Tile(key, node.content, encoded.hulls, len(encoded.glb), len(data))


def _build_tiles(
    nodes: list[TileNode],
    geom: SpilledGeometry,
    infos: Sequence[ElementInfo | None],
    store: ObjectStore,
    prefix: str,
    bim: BimSettings,
    progress: bool,
    layer: str,
) -> dict[str, _Tile]:
    """Encode and store every tile on a few threads, a bounded number in flight."""
    threads = bim.geometry_threads or os.cpu_count() or 1
    out: dict[str, _Tile] = {}
    bar = tqdm(total=len(nodes), desc=f"tiles {layer}", unit="tile", disable=not progress)
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="twin-bim-tile") as pool:
        pending: list[Future[_Tile]] = []
        try:
            for node in nodes:
                pending.append(pool.submit(_build_tile, node, geom, infos, store, prefix))
                if len(pending) >= 2 * threads:
                    _collect(pending.pop(0), out, bar)
            while pending:
                _collect(pending.pop(0), out, bar)
        except BaseException:
            for f in pending:
                f.cancel()
            raise
        finally:
            bar.close()
    return out


def _collect(future: Future[_Tile], out: dict[str, _Tile], bar: Any) -> None:
    tile = future.result()
    out[tile.key] = tile
    bar.update(1)


def _placed(
    geom: SpilledGeometry,
    infos: Sequence[ElementInfo | None],
    tiles: dict[str, _Tile],
    georef: Georeference,
) -> PlacedElements:
    n = len(geom.global_ids)
    hulls: npt.NDArray[np.object_] = np.empty(n, dtype=object)
    keys: list[str] = [""] * n
    for tile in tiles.values():
        hulls[tile.rows] = tile.hulls
        rel = tile.key.rpartition("/t/")[2]
        for r in tile.rows.tolist():
            keys[r] = "t/" + rel
    height = georef.frame.height
    # ENU z to ellipsoidal height: the frame's own height plus z (the earth curves away by
    # under 1 cm within 350 m of the origin, well inside the tileset's 5 cm margins)
    return PlacedElements(
        global_ids=geom.global_ids,
        infos=infos,
        classes=[info.ifc_class if info else geom.ifc_classes[i] for i, info in enumerate(infos)],
        hulls_lonlat=frame_to_lonlat(georef.frame, hulls),
        zmin=geom.bounds[:, 2] + height,
        zmax=geom.bounds[:, 5] + height,
        content_keys=keys,
    )
