"""Publish a point cloud as a new version of a layer: octree point tiles, no feature rows.

The file is read completely (and checked: CRS, point count) before anything is
written; then the version is published the atomic way every layer is: reserve a
version, write its tiles under its own prefix, tileset.json last, switch the layer in
one transaction. A failure abandons the version; the layer stays as it was.
"""

from __future__ import annotations

import gzip
import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from tqdm import tqdm

from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from tiles.geodesy import ecef_to_geodetic
from tiles.pointcloud_glb import PointTileArrays, encode_points_glb
from tiles.pointcloud_tiles import OctreeLimits, PointTile, build_octree, pointcloud_tileset
from twin.naming import validate_layer_id
from twin.pipeline.versions import fail_version, put_tileset, remove_stale_versions, reserve_version
from twin.readers.pointcloud import PointArrays, PointCloudHeader

log = logging.getLogger("twin.pipeline")
THREADS = 2


@dataclass(frozen=True)
class PointCloudPublishResult:
    layer: str
    version: int
    previous_version: int | None
    tileset_key: str
    point_count: int
    tile_count: int
    depth: int
    stored_bytes: int
    glb_bytes: int
    crs: str
    crs_source: str
    warnings: tuple[str, ...]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        out = dict(vars(self))
        out["warnings"] = list(self.warnings)
        return out


def publish_pointcloud(
    head: PointCloudHeader,
    points: PointArrays,
    *,
    layer: str,
    store: ObjectStore,
    catalog: Catalog,
    title: str | None = None,
    limits: OctreeLimits | None = None,
    progress: bool = False,
) -> PointCloudPublishResult:
    started = time.perf_counter()
    layer = validate_layer_id(layer)
    version, prefix = reserve_version(
        layer,
        kind="pointcloud",
        title=title or layer,
        crs=head.crs_label,
        store=store,
        catalog=catalog,
    )
    log.info(
        "pointcloud publish started",
        extra={"layer": layer, "version": version, "points": len(points)},
    )
    try:
        tree = build_octree(points.positions, limits or OctreeLimits())
        nodes = tree.root.walk()
        glb_bytes, stored = _write_tiles(nodes, tree.order, points, store, prefix, progress)
        doc = pointcloud_tileset(
            tree,
            transform=head.frame.to_ecef_matrix(),
            content_uri=_content_uri,
            version=f"v{version:06d}",
            properties={"layer": layer, "points": len(points), "source": head.label},
        )
        tileset_key, tileset_bytes = put_tileset(store, prefix, doc)
        bbox, zmin, zmax = _geographic_extent(head, tree.root)
        previous = catalog.publish_version(
            layer,
            version,
            tileset_key=tileset_key,
            bbox=bbox,
            zmin=zmin,
            zmax=zmax,
            attribute_schema={},
            metadata={
                "source_file": head.label,
                "points": len(points),
                "point_format": head.point_format,
                "has_rgb": head.has_rgb,
                "crs": head.crs_label,
                "crs_source": head.crs_source,
                "warnings": list(head.warnings),
                "frame": {"lon": head.frame.lon, "lat": head.frame.lat, "h": head.frame.height},
                "point_attributes": ["intensity", "classification"],
            },
        )
    except BaseException:
        fail_version(layer, version, store, catalog)
        raise
    remove_stale_versions(layer, keep={version, previous}, store=store, catalog=catalog)
    return PointCloudPublishResult(
        layer=layer,
        version=version,
        previous_version=previous,
        tileset_key=tileset_key,
        point_count=len(points),
        tile_count=len(nodes),
        depth=max(n.level for n in nodes),
        stored_bytes=stored + tileset_bytes,
        glb_bytes=glb_bytes,
        crs=head.crs_label,
        crs_source=head.crs_source,
        warnings=head.warnings,
        seconds=time.perf_counter() - started,
    )


def _content_uri(address: str) -> str:
    return f"t/{address}.glb"


def _build_tile(
    node: PointTile, order: np.ndarray, points: PointArrays, store: ObjectStore, prefix: str
) -> tuple[int, int]:
    rows = np.sort(order[node.start : node.stop])  # file order: friendlier to the cache
    pos = points.positions[rows].astype(np.float64)
    origin = np.floor((pos.min(axis=0) + pos.max(axis=0)) / 2)
    glb = encode_points_glb(
        PointTileArrays(
            positions=(pos - origin).astype(np.float32),
            origin=(float(origin[0]), float(origin[1]), float(origin[2])),
            intensity=points.intensity[rows],
            classification=points.classification[rows],
            colors=points.colors_8bit(rows),
        )
    )
    data = gzip.compress(glb, compresslevel=1, mtime=0)
    store.put_bytes(
        prefix + _content_uri(node.address),
        data,
        content_type="model/gltf-binary",
        content_encoding="gzip",
    )
    return len(glb), len(data)


def _write_tiles(
    nodes: list[PointTile],
    order: np.ndarray,
    points: PointArrays,
    store: ObjectStore,
    prefix: str,
    progress: bool,
) -> tuple[int, int]:
    """Encode and store every tile on a few threads, a bounded number in flight."""
    glb_total = stored_total = 0
    bar = tqdm(total=len(points), desc="tiles", unit="pt", disable=not progress)
    with ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="twin-pc-tile") as pool:
        pending: list[tuple[Future[tuple[int, int]], int]] = []
        try:
            for node in nodes:
                future = pool.submit(_build_tile, node, order, points, store, prefix)
                pending.append((future, node.count))
                while len(pending) >= 2 * THREADS or (pending and node is nodes[-1]):
                    done, count = pending.pop(0)
                    glb, stored = done.result()
                    glb_total, stored_total = glb_total + glb, stored_total + stored
                    bar.update(count)
        except BaseException:
            for f, _ in pending:
                f.cancel()
            raise
        finally:
            bar.close()
    return glb_total, stored_total


def _geographic_extent(
    head: PointCloudHeader, root: PointTile
) -> tuple[tuple[float, float, float, float], float, float]:
    lo, hi = root.subtree_bounds()
    corners = np.array(
        [[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])]
    )
    frame = head.frame
    ecef = corners @ frame.rotation + frame.origin_ecef
    lon, lat, h = ecef_to_geodetic(ecef)
    bbox = (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))
    return bbox, float(h.min()), float(h.max())
