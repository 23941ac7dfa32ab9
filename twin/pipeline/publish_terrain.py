"""Publish a DEM as a new version of a terrain layer: a quadtree of mesh tiles + the DEM.

Everything that can fail on the input is done before anything is written: the DEM
is read (:func:`twin.readers.dem.read_dem`), the tree planned and every tile's
geometric error measured. Then, like the other pipelines: reserve a version, write
the DEM copy (``dem/heights.npy.gz`` + ``dem/header.json``, for
:mod:`twin.terrain_height`) and the tiles under its prefix, add one catalog row
per tile, write tileset.json last and switch the layer in one transaction. A
failure abandons the version; the layer stays as it was.

Heights are the DEM's values (plus the vertical offset) taken as ellipsoidal
heights: no geoid is applied.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from tqdm import tqdm

from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from tiles.geodesy import EnuFrame
from tiles.gltf import MeshArrays, PropertyColumn, PropertyTable, encode_glb
from tiles.terrain_mesh import (
    B,
    TerrainGrid,
    TerrainTileMesh,
    TileSpec,
    build_tile_mesh,
    cell_valid,
    has_data,
    nodata_counts,
    plan_pyramid,
    skirt_depth,
    tile_error,
)
from tiles.terrain_tileset import Region, TerrainTile, content_uri, terrain_tileset_json
from twin.domain import FeatureRows
from twin.naming import validate_layer_id
from twin.pipeline.versions import fail_version, put_tileset, remove_stale_versions, reserve_version
from twin.readers.crs import crs_label
from twin.readers.dem import Dem

log = logging.getLogger("twin.pipeline")

DEM_HEIGHTS = "dem/heights.npy.gz"
DEM_HEADER = "dem/header.json"
TERRAIN_COLOR = (0.62, 0.6, 0.52, 1.0)
#: hypsometric tint, display sRGB: lowland green -> hill olive -> brown -> rocky grey-brown
_TINT_STOPS = np.array([0.0, 0.25, 0.6, 1.0])
_TINT_RGB = np.array([[118, 150, 96], [150, 156, 104], [160, 136, 98], [168, 160, 150]], float)


def tint(
    height: npt.NDArray[np.float64], up: npt.NDArray[np.float32], lo: float, hi: float
) -> npt.NDArray[np.uint8]:
    """RGBA per vertex: colour by height within [lo, hi], darker where the ground is steep."""
    t = np.clip((height - lo) / max(hi - lo, 1e-6), 0.0, 1.0)
    rgb = np.column_stack([np.interp(t, _TINT_STOPS, _TINT_RGB[:, k]) for k in range(3)])
    steep = np.clip(1.0 - np.abs(up.astype(np.float64)), 0.0, 1.0)  # 0 flat .. 1 vertical
    rgb *= (1.0 - 0.35 * np.sqrt(steep))[:, None]
    out = np.full((len(height), 4), 255, dtype=np.uint8)
    out[:, :3] = np.clip(np.rint(rgb), 0, 255).astype(np.uint8)
    return out


@dataclass(frozen=True)
class TerrainPublishResult:
    layer: str
    version: int
    previous_version: int | None
    tileset_key: str
    dem_key: str
    levels: int
    tile_count: int
    max_error_by_level: tuple[float, ...]
    stored_bytes: int
    glb_bytes: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        out = dict(vars(self))
        out["max_error_by_level"] = list(self.max_error_by_level)
        return out


@dataclass(frozen=True)
class _Planned:
    spec: TileSpec
    parent: str | None
    valid: B
    error: float  # measured, then raised to its children's (refinement never gets worse)


def layer_frame(grid_dem: Dem) -> EnuFrame:
    """The ENU frame at the DEM's centre, at the middle of its height range."""
    rows, cols = grid_dem.shape
    probe = TerrainGrid(grid_dem.heights, grid_dem.transform, grid_dem.crs, EnuFrame(0.0, 0.0))
    lon, lat = probe.lonlat(np.array([(rows - 1) / 2]), np.array([(cols - 1) / 2]))
    h = grid_dem.heights
    mid = (float(np.nanmin(h)) + float(np.nanmax(h))) / 2
    return EnuFrame(float(lon[0]), float(lat[0]), mid)


def plan_terrain(grid: TerrainGrid, tile_cells: int, threads: int = 1) -> list[_Planned]:
    """Every tile with data, parents before children, with its measured geometric error."""
    pyramid = plan_pyramid(grid.shape, tile_cells)
    counts = nodata_counts(grid.heights)
    root = pyramid.spec(0, 0, 0)
    assert root is not None
    order: list[tuple[TileSpec, str | None]] = []
    todo: list[tuple[TileSpec, str | None]] = [(root, None)]
    while todo:
        spec, parent = todo.pop(0)
        if not has_data(spec, counts):
            continue
        order.append((spec, parent))
        todo.extend((c, spec.address) for c in pyramid.children(spec))

    def measure(item: tuple[TileSpec, str | None]) -> _Planned:
        spec, parent = item
        valid = cell_valid(spec, counts)
        # at stride 1 every sample is a vertex: the mesh passes through all of them
        error = tile_error(spec, grid.heights, valid) if spec.stride > 1 else 0.0
        return _Planned(spec, parent, valid, error)

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        planned = list(pool.map(measure, order))
    by_address = {p.spec.address: p for p in planned}
    for p in reversed(planned):  # children first: raise each parent to its children
        error = by_address[p.spec.address].error
        if p.parent is not None:
            up = by_address[p.parent]
            if error > up.error:
                by_address[p.parent] = _Planned(up.spec, up.parent, up.valid, error)
    return [by_address[p.spec.address] for p in planned]


def publish_terrain(
    dem: Dem,
    *,
    layer: str,
    store: ObjectStore,
    catalog: Catalog,
    title: str | None = None,
    tile_cells: int = 128,
    threads: int | None = None,
    progress: bool = False,
) -> TerrainPublishResult:
    started = time.perf_counter()
    layer = validate_layer_id(layer)
    workers = threads or os.cpu_count() or 1
    grid = TerrainGrid(dem.heights, dem.transform, dem.crs, layer_frame(dem))
    planned = plan_terrain(grid, tile_cells, workers)
    version, prefix = reserve_version(
        layer,
        kind="terrain",
        title=title or layer,
        crs=crs_label(dem.crs),
        store=store,
        catalog=catalog,
    )
    log.info("terrain publish started", extra={"layer": layer, "version": version})
    try:
        stored = _put_dem(dem, store, prefix)
        built = _build_tiles(grid, planned, layer, store, prefix, workers, progress)
        tree = _tree(planned, built)
        rows = _rows(layer, planned, built)
        if len(rows):
            catalog.add_features(layer, version, rows)
        doc = terrain_tileset_json(
            tree,
            frame=grid.frame,
            version=f"v{version:06d}",
            properties={"layer": layer, "source": dem.source, "heights": "ellipsoidal"},
        )
        tileset_key, tileset_bytes = put_tileset(store, prefix, doc)
        region = tree.region()
        levels = max(p.spec.level for p in planned) + 1
        errors = tuple(max(p.error for p in planned if p.spec.level == lv) for lv in range(levels))
        previous = catalog.publish_version(
            layer,
            version,
            tileset_key=tileset_key,
            bbox=(region.west, region.south, region.east, region.north),
            zmin=float(np.nanmin(dem.heights)),
            zmax=float(np.nanmax(dem.heights)),
            attribute_schema={"level": "integer", "geometric_error": "number"},
            metadata={
                "source_file": dem.source,
                "dem": {"heights": DEM_HEIGHTS, "header": DEM_HEADER},
                "crs": crs_label(dem.crs),
                "shape": list(dem.shape),
                "cell_size": list(dem.cell_size),
                "vertical_offset": dem.vertical_offset,
                "heights": "ellipsoidal (no geoid applied)",
                "frame": {"lon": grid.frame.lon, "lat": grid.frame.lat, "h": grid.frame.height},
                "max_error_by_level": list(errors),
            },
        )
    except BaseException:
        fail_version(layer, version, store, catalog)
        raise
    remove_stale_versions(layer, keep={version, previous}, store=store, catalog=catalog)
    result = TerrainPublishResult(
        layer=layer,
        version=version,
        previous_version=previous,
        tileset_key=tileset_key,
        dem_key=prefix + DEM_HEIGHTS,
        levels=levels,
        tile_count=len(built),
        max_error_by_level=errors,
        stored_bytes=stored + sum(b.stored_bytes for b in built.values()) + tileset_bytes,
        glb_bytes=sum(b.glb_bytes for b in built.values()),
        seconds=time.perf_counter() - started,
    )
    log.info("terrain publish done", extra=result.to_dict())
    return result


def _put_dem(dem: Dem, store: ObjectStore, prefix: str) -> int:
    buf = io.BytesIO()
    np.save(buf, dem.heights, allow_pickle=False)
    data = gzip.compress(buf.getvalue(), compresslevel=1, mtime=0)
    header = json.dumps(dem.header(), ensure_ascii=False).encode()
    store.put_bytes(prefix + DEM_HEIGHTS, data, content_type="application/gzip")
    store.put_bytes(prefix + DEM_HEADER, header, content_type="application/json")
    return len(data) + len(header)


@dataclass(frozen=True)
class _Built:
    region: Region
    glb_bytes: int
    stored_bytes: int


def _build_tile(
    grid: TerrainGrid,
    p: _Planned,
    parent_error: float | None,
    cell_m: float,
    layer: str,
    store: ObjectStore,
    prefix: str,
    tint_range: tuple[float, float],
) -> tuple[str, _Built | None]:
    spec = p.spec
    step = cell_m * spec.stride
    depth = skirt_depth(p.error, parent_error, step)
    mesh = build_tile_mesh(grid, spec, p.valid, skirt=depth)
    if mesh is None:
        return spec.address, None
    table = PropertyTable(
        class_name="terrain",
        columns={
            "id": PropertyColumn("string", [f"{layer}:{spec.address}"]),
            "level": PropertyColumn("integer", [spec.level]),
            "geometric_error": PropertyColumn("number", [p.error]),
        },
        count=1,
    )
    lo, hi = tint_range
    glb = encode_glb(
        MeshArrays(
            positions=mesh.positions,  # type: ignore[arg-type]  # float64 is accepted
            normals=mesh.normals,
            feature_ids=np.zeros(len(mesh.positions), dtype=np.uint32),
            indices=mesh.indices,
            colors=tint(
                mesh.positions[:, 2] + mesh.origin[2] + grid.frame.height,
                mesh.normals[:, 2],
                lo,
                hi,
            ),
        ),
        table,
        color=TERRAIN_COLOR,
        origin=mesh.origin,
    )
    data = gzip.compress(glb, compresslevel=6, mtime=0)
    store.put_bytes(
        prefix + content_uri(spec.address),
        data,
        content_type="model/gltf-binary",
        content_encoding="gzip",
    )
    return spec.address, _Built(_region(mesh, p.valid, depth), len(glb), len(data))


def grid_cell_m(grid: TerrainGrid) -> float:
    """Cell size in metres near the centre (for geographic CRSs too)."""
    rows, cols = grid.shape
    r, c = (rows - 1) // 2, (cols - 1) // 2
    rr = np.array([r, r, min(r + 1, rows - 1)], dtype=np.int64)
    cc = np.array([c, min(c + 1, cols - 1), c], dtype=np.int64)
    p = grid.enu(rr, cc, np.zeros(3))
    return float(max(np.linalg.norm(p[1] - p[0]), np.linalg.norm(p[2] - p[0])))


def _region(mesh: TerrainTileMesh, valid: B, depth: float) -> Region:
    used = np.zeros(mesh.heights.shape, dtype=bool)  # the vertices of valid cells
    used[:-1, :-1] |= valid
    used[:-1, 1:] |= valid
    used[1:, :-1] |= valid
    used[1:, 1:] |= valid
    lon, lat, h = mesh.lon[used], mesh.lat[used], mesh.heights[used]
    return Region(
        float(lon.min()),
        float(lat.min()),
        float(lon.max()),
        float(lat.max()),
        float(h.min()) - depth,
        float(h.max()),
    )


def _build_tiles(
    grid: TerrainGrid,
    planned: list[_Planned],
    layer: str,
    store: ObjectStore,
    prefix: str,
    workers: int,
    progress: bool,
) -> dict[str, _Built]:
    errors = {p.spec.address: p.error for p in planned}
    cell_m = grid_cell_m(grid)
    tint_range = (float(np.nanmin(grid.heights)), float(np.nanmax(grid.heights)))
    out: dict[str, _Built] = {}
    bar = tqdm(total=len(planned), desc=f"terrain {layer}", unit="tile", disable=not progress)
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="twin-terrain") as pool:
            parent_errors = [errors[p.parent] if p.parent else None for p in planned]
            jobs = pool.map(
                lambda a: _build_tile(grid, a[0], a[1], cell_m, layer, store, prefix, tint_range),
                zip(planned, parent_errors, strict=True),
            )
            for address, built in jobs:
                if built is not None:
                    out[address] = built
                bar.update(1)
    finally:
        bar.close()
    return out


def _tree(planned: list[_Planned], built: dict[str, _Built]) -> TerrainTile:
    kids: dict[str | None, list[str]] = {}
    for p in planned:
        kids.setdefault(p.parent, []).append(p.spec.address)
    errors = {p.spec.address: p.error for p in planned}

    def node(address: str) -> TerrainTile | None:
        children = tuple(c for c in (node(k) for k in kids.get(address, [])) if c is not None)
        content = built[address].region if address in built else None
        if content is None and not children:
            return None
        return TerrainTile(address, errors[address], content, children)

    root = node(planned[0].spec.address)
    assert root is not None  # the DEM has data (checked by the reader), so some tile has cells
    return root


def _rows(layer: str, planned: list[_Planned], built: dict[str, _Built]) -> FeatureRows:
    ps = [p for p in planned if p.spec.address in built]
    regions = [built[p.spec.address].region for p in ps]
    bboxes = np.array([[r.west, r.south, r.east, r.north] for r in regions], dtype=np.float64)
    boxes = shapely.box(bboxes[:, 0], bboxes[:, 1], bboxes[:, 2], bboxes[:, 3])
    return FeatureRows(
        ids=[f"{layer}:{p.spec.address}" for p in ps],
        classes=["terrain_tile"] * len(ps),
        parent_ids=[f"{layer}:{p.parent}" if p.parent in built else None for p in ps],
        attributes_json=[
            json.dumps({"level": p.spec.level, "geometric_error": p.error}) for p in ps
        ],
        footprints_wkb=[bytes(b) for b in shapely.to_wkb(boxes)],
        bboxes=bboxes.reshape(-1, 4),
        zmin=np.array([r.zmin for r in regions], dtype=np.float64),
        zmax=np.array([r.zmax for r in regions], dtype=np.float64),
        content_keys=[content_uri(p.spec.address) for p in ps],
    )
