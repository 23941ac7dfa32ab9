"""Publish a streetscape (:class:`twin.readers.streets.StreetSet`) as a new layer version.

Objects become GPU instances of low-poly models (:mod:`tiles.instanced_glb`), surfaces
flat triangulated meshes 5 cm above the ground. Placement: the layer has one
east-north-up frame at its centre (the tileset root transform); every instance is
placed at its own lon/lat on the ellipsoid (or on ``heights`` when given) and its
rotation includes the tilt between its own local up and the layer's, so every
object stands plumb wherever it is (no per-tile approximation). Surface vertices
are likewise lifted one by one; with ``heights`` their edges are first densified to
~5 m so they follow the ground (interiors of large polygons are not: only their
vertices are draped).

Publishing is atomic in the same order as :mod:`twin.pipeline.publish_ifc`:
reserve a version, write every tile under its prefix, load the catalog rows,
write tileset.json last, switch the layer in one transaction; any failure
abandons the version and the layer stays as it was.
"""

from __future__ import annotations

import gzip
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mapbox_earcut as earcut
import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Transformer
from tqdm import tqdm

from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from tiles.geodesy import EnuFrame, ellipsoid_normal, geodetic_to_ecef
from tiles.gltf_metadata import PropertyColumn, PropertyTable
from tiles.instanced_glb import Instances, Surface, encode_street_tile
from tiles.partition import PartitionLimits, partition
from tiles.tileset import tileset_json
from twin.domain import AttributeType, FeatureRows
from twin.naming import validate_layer_id
from twin.pipeline.versions import (
    extent_of,
    fail_version,
    put_tileset,
    remove_stale_versions,
    reserve_version,
)
from twin.readers.crs import crs_label
from twin.readers.streets import StreetReport, StreetSet

log = logging.getLogger("twin.pipeline")
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Heights = Callable[[F64, F64], F64]

SURFACE_OFFSET_M = 0.05
DENSIFY_M = 5.0
OWN_COLUMNS: dict[str, AttributeType] = {
    "type": "string",
    "height": "number",
    "size": "number",
    "orientation": "number",
}


@dataclass(frozen=True)
class StreetPublishResult:
    layer: str
    version: int
    previous_version: int | None
    tileset_key: str
    object_count: int
    surface_count: int
    tile_count: int
    stored_bytes: int
    glb_bytes: int
    seconds: float
    report: StreetReport | None

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in vars(self).items() if k != "report"}
        out["report"] = self.report.to_dict() if self.report else None
        return out


@dataclass(frozen=True)
class _Placed:
    """Every feature (objects first, then surfaces) in the layer frame."""

    frame: EnuFrame
    pos: F64  # (n_obj, 3) instance base in the layer frame
    rot: F64  # (n_obj, 3, 3)
    surfaces: list[tuple[F64, F64, I64]]  # positions, normals, indices per surface
    centre: F64  # (n, 2) layer-frame east/north of every feature
    extent: F64  # (n,)
    bounds_deg: F64  # (n, 4)
    zmin: F64
    zmax: F64
    footprints_wkb: list[bytes]


def publish_streets(
    streets: StreetSet,
    *,
    store: ObjectStore,
    catalog: Catalog,
    heights: Heights | None = None,
    limits: PartitionLimits | None = None,
    title: str | None = None,
    progress: bool = False,
) -> StreetPublishResult:
    started = time.perf_counter()
    layer = validate_layer_id(streets.layer)
    placed = _place(streets, heights)  # pure computation: a bad input fails before any write
    extras = _extra_names(streets)
    records = _records(streets, extras)
    types = {**OWN_COLUMNS, **{extras[k]: t for k, t in streets.schema.items()}}
    version, prefix = reserve_version(
        layer,
        kind="streets",
        title=title or layer,
        crs=crs_label(streets.crs),
        store=store,
        catalog=catalog,
    )
    n_obj, n = len(streets.object_ids), len(placed.centre)
    log.info("streets publish started", extra={"layer": layer, "version": version, "features": n})
    try:
        nbytes = np.where(np.arange(n) < n_obj, 300.0, 0.0)
        for j, (p, _, _) in enumerate(placed.surfaces):
            nbytes[n_obj + j] = 300.0 + 28.0 * len(p)
        tree = partition(
            placed.centre[:, 0],
            placed.centre[:, 1],
            placed.extent,
            nbytes,
            limits or PartitionLimits(max_features=2000, max_bytes=2_000_000),
        )
        nodes = [nd for nd in tree.walk() if len(nd.content)]
        glb_bytes = stored = 0
        keys = np.empty(n, dtype=object)
        for node in tqdm(nodes, desc=f"tiles {layer}", unit="tile", disable=not progress):
            glb = _tile(node.content, streets, placed, records, types)
            data = gzip.compress(glb, compresslevel=6, mtime=0)
            store.put_bytes(
                prefix + _content_uri(node.address),
                data,
                content_type="model/gltf-binary",
                content_encoding="gzip",
            )
            keys[node.content] = _content_uri(node.address)
            glb_bytes, stored = glb_bytes + len(glb), stored + len(data)
        catalog.add_features(layer, version, _rows(records, placed, keys))
        doc = tileset_json(
            tree,
            frame=placed.frame,
            bounds_deg=placed.bounds_deg,
            zmin=placed.zmin,
            zmax=placed.zmax,
            content_uri=_content_uri,
            version=f"v{version:06d}",
            properties={"layer": layer, "features": n},
        )
        tileset_key, tileset_bytes = put_tileset(store, prefix, doc)
        b = placed.bounds_deg
        previous = catalog.publish_version(
            layer,
            version,
            tileset_key=tileset_key,
            bbox=extent_of(b),
            zmin=float(placed.zmin.min()),
            zmax=float(placed.zmax.max()),
            attribute_schema=types,
            metadata={
                "report": streets.report.to_dict() if streets.report else None,
                "draped": heights is not None,
            },
        )
    except BaseException:
        fail_version(layer, version, store, catalog)
        raise
    remove_stale_versions(layer, keep={version, previous}, store=store, catalog=catalog)
    return StreetPublishResult(
        layer=layer,
        version=version,
        previous_version=previous,
        tileset_key=tileset_key,
        object_count=n_obj,
        surface_count=len(placed.surfaces),
        tile_count=len(nodes),
        stored_bytes=stored + tileset_bytes,
        glb_bytes=glb_bytes,
        seconds=time.perf_counter() - started,
        report=streets.report,
    )


def _content_uri(address: str) -> str:
    return f"t/{address}.glb"


def _extra_names(streets: StreetSet) -> dict[str, str]:
    """Source column -> published name (``source_<name>`` where it clashes with ours)."""
    own = {"id", *OWN_COLUMNS}
    return {k: f"source_{k}" if k in own else k for k in streets.schema}


def _ground(lon: F64, lat: F64, heights: Heights | None) -> F64:
    if heights is None or not len(lon):
        return np.zeros(len(lon))
    h = np.asarray(heights(lon, lat), dtype=np.float64)
    return np.where(np.isfinite(h), h, 0.0)


def _enu_rows(lon: F64, lat: F64) -> F64:
    """(n, 3, 3): rows east, north, up in ECEF at each point."""
    lo, la = np.radians(lon), np.radians(lat)
    east = np.stack([-np.sin(lo), np.cos(lo), np.zeros_like(lo)], axis=1)
    north = np.stack([-np.sin(la) * np.cos(lo), -np.sin(la) * np.sin(lo), np.cos(la)], axis=1)
    return np.stack([east, north, ellipsoid_normal(lon, lat)], axis=1)


def _place(streets: StreetSet, heights: Heights | None) -> _Placed:
    frame = EnuFrame(*streets.centre, 0.0)
    lon, lat = streets.lon, streets.lat
    ground = _ground(lon, lat, heights)
    pos = frame.from_ecef(geodetic_to_ecef(lon, lat, ground)).reshape(-1, 3)
    theta = np.radians(streets.orientation)
    c, s = np.cos(-theta), np.sin(-theta)
    heading = np.zeros((len(lon), 3, 3))
    heading[:, 0, 0], heading[:, 0, 1], heading[:, 1, 0], heading[:, 1, 1] = c, -s, s, c
    heading[:, 2, 2] = 1.0
    rot = frame.rotation @ np.transpose(_enu_rows(lon, lat), (0, 2, 1)) @ heading
    local = streets.local_crs()
    fwd = Transformer.from_crs("EPSG:4326", local, always_xy=True)
    inv = Transformer.from_crs(local, "EPSG:4326", always_xy=True)
    ex, ny = fwd.transform(lon, lat)
    radius = np.maximum(streets.size / 2, 0.3)
    circles = shapely.buffer(shapely.points(np.column_stack([ex, ny])), radius, quad_segs=2)
    surfaces = [_surface(g, inv, frame, heights) for g in streets.surfaces_local]
    footprints = list(circles) + list(streets.surfaces_local)
    ll = shapely.transform(
        np.array(footprints, dtype=object),
        lambda xy: np.column_stack(inv.transform(xy[:, 0], xy[:, 1])),
    )
    s_pos = [p for p, _, _ in surfaces]
    s_centre = np.array([(p[:, :2].min(0) + p[:, :2].max(0)) / 2 for p in s_pos]).reshape(-1, 2)
    s_size = np.array([float(np.hypot(*np.ptp(p[:, :2], axis=0))) for p in s_pos])
    s_low = np.array([float(p[:, 2].min()) for p in s_pos])
    s_high = np.array([float(p[:, 2].max()) for p in s_pos])
    return _Placed(
        frame=frame,
        pos=pos,
        rot=rot,
        surfaces=surfaces,
        centre=np.concatenate([pos[:, :2].reshape(-1, 2), s_centre]),
        extent=np.concatenate([np.maximum(streets.size, streets.height), s_size]),
        bounds_deg=shapely.bounds(ll).astype(np.float64),
        zmin=np.concatenate([ground, s_low]),
        zmax=np.concatenate([ground + streets.height, s_high]),
        footprints_wkb=[bytes(w) for w in shapely.to_wkb(ll)],
    )


def _surface(
    geom: Any, inv: Transformer, frame: EnuFrame, heights: Heights | None
) -> tuple[F64, F64, I64]:
    if heights is not None:
        geom = shapely.segmentize(geom, DENSIFY_M)
    verts: list[F64] = []
    tris: list[I64] = []
    base = 0
    for poly in getattr(geom, "geoms", [geom]):
        rings = [np.asarray(poly.exterior.coords)[:-1, :2]]
        rings += [np.asarray(r.coords)[:-1, :2] for r in poly.interiors]
        xy = np.concatenate(rings)
        ends = np.cumsum([len(r) for r in rings]).astype(np.uint32)
        idx = earcut.triangulate_float64(xy, ends).astype(np.int64).reshape(-1, 3)
        a, b, c = xy[idx[:, 0]], xy[idx[:, 1]], xy[idx[:, 2]]
        cw = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
        idx[cw < 0] = idx[cw < 0][:, ::-1]  # counter-clockwise seen from above
        verts.append(xy)
        tris.append(idx.reshape(-1) + base)
        base += len(xy)
    xy = np.concatenate(verts)
    lon, lat = inv.transform(xy[:, 0], xy[:, 1])
    lon, lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    h = _ground(lon, lat, heights) + SURFACE_OFFSET_M
    positions = frame.from_ecef(geodetic_to_ecef(lon, lat, h))
    normals = frame.vectors_from_ecef(ellipsoid_normal(lon, lat))
    return positions, normals, np.concatenate(tris)


def _tile(
    content: I64,
    streets: StreetSet,
    placed: _Placed,
    records: list[dict[str, Any]],
    types: dict[str, AttributeType],
) -> bytes:
    n_obj = len(streets.object_ids)
    rows = np.arange(len(content))
    objs, surfs = content < n_obj, content >= n_obj
    lo = np.concatenate(
        [placed.pos[content[objs]]] + [placed.surfaces[j - n_obj][0] for j in content[surfs]]
    ).min(axis=0)
    hi = np.concatenate(
        [placed.pos[content[objs]]] + [placed.surfaces[j - n_obj][0] for j in content[surfs]]
    ).max(axis=0)
    origin = np.round((lo + hi) / 2, 3)
    instances: list[Instances] = []
    for kind in sorted(set(streets.object_types[content[objs]])):
        sel = objs & (streets.object_types[np.minimum(content, n_obj - 1)] == kind)
        f = content[sel]
        instances.append(
            Instances(
                kind=kind,
                translations=placed.pos[f] - origin,
                rotations=placed.rot[f],
                scales=np.column_stack([streets.size[f], streets.size[f], streets.height[f]]),
                rows=rows[sel],
            )
        )
    surfaces: list[Surface] = []
    for kind in sorted(set(streets.surface_types[content[surfs] - n_obj])):
        parts = [
            (r, placed.surfaces[j - n_obj])
            for r, j in zip(rows, content, strict=True)
            if j >= n_obj and streets.surface_types[j - n_obj] == kind
        ]
        offsets = np.cumsum([0] + [len(p[0]) for _, p in parts])
        surfaces.append(
            Surface(
                kind=kind,
                positions=np.concatenate([p[0] for _, p in parts]) - origin,
                normals=np.concatenate([p[1] for _, p in parts]),
                indices=np.concatenate(
                    [p[2] + o for (_, p), o in zip(parts, offsets[:-1], strict=True)]
                ),
                rows=np.concatenate([np.full(len(p[0]), r) for r, p in parts]),
            )
        )
    table = _table(content, records, types)
    return encode_street_tile(instances, surfaces, table, origin=tuple(origin.tolist()))


def _records(streets: StreetSet, extras: dict[str, str]) -> list[dict[str, Any]]:
    """Every feature's published attributes (objects first, then surfaces), with its id."""
    out: list[dict[str, Any]] = []
    objects = streets.object_attributes.to_dict("records")
    for j, src in enumerate(objects):
        rec: dict[str, Any] = {
            "id": f"{streets.layer}:{streets.object_ids[j]}",
            "type": str(streets.object_types[j]),
            "height": float(streets.height[j]),
            "size": float(streets.size[j]),
            "orientation": float(streets.orientation[j]),
        }
        out.append(_with_extras(rec, src, extras))
    for k, src in enumerate(streets.surface_attributes.to_dict("records")):
        rec = {
            "id": f"{streets.layer}:{streets.surface_ids[k]}",
            "type": str(streets.surface_types[k]),
        }
        out.append(_with_extras(rec, src, extras))
    return out


def _with_extras(
    rec: dict[str, Any], src: dict[Any, Any], extras: dict[str, str]
) -> dict[str, Any]:
    for name, published in extras.items():
        value = _plain(src.get(name))
        rec[published] = None if value is None or value != value else value
    return rec


def _table(
    content: I64, records: list[dict[str, Any]], types: dict[str, AttributeType]
) -> PropertyTable:
    recs = [records[j] for j in content.tolist()]
    columns = {"id": PropertyColumn("string", [r["id"] for r in recs])}
    for name, kind in types.items():
        columns[name] = PropertyColumn(kind, [r.get(name) for r in recs])
    return PropertyTable(class_name="street_feature", columns=columns, count=len(recs))


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _rows(records: list[dict[str, Any]], placed: _Placed, keys: Any) -> FeatureRows:
    n = len(records)
    return FeatureRows(
        ids=[r["id"] for r in records],
        classes=[str(r["type"]) for r in records],
        parent_ids=[None] * n,
        attributes_json=[
            json.dumps({k: v for k, v in r.items() if k != "id"}, ensure_ascii=False)
            for r in records
        ],
        footprints_wkb=placed.footprints_wkb,
        bboxes=placed.bounds_deg,
        zmin=placed.zmin,
        zmax=placed.zmax,
        content_keys=[str(k) for k in keys],
    )
