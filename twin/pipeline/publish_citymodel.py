"""Publish a 3D city model (CityJSON / CityJSONSeq / CityGML) as a version of a buildings layer.

The whole file is read and checked first (:func:`read_city_model`); then every polygon
is placed (the horizontal part of the CRS to lon/lat with pyproj, heights as given:
no geoid model) into one east-north-up frame at the layer centre, triangulated in its
own best-fit plane with earcut (holes kept) and coloured by its semantic surface. One
feature per Building / BuildingPart; a Building whose geometry lives in its parts gets
a catalog row (hull of its parts) but no tile content. Publishing follows the order of
:mod:`twin.pipeline.publish_ifc`: reserve a version, store its tiles, load its rows,
write tileset.json last, switch the layer; any failure abandons the version.
"""

from __future__ import annotations

import gzip
import json
import logging
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mapbox_earcut
import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS, Transformer
from tqdm import tqdm

from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from tiles.element_tile import ElementMeshArrays, encode_element_tile
from tiles.geodesy import EnuFrame, geodetic_to_ecef
from tiles.gltf import PropertyColumn, PropertyTable
from tiles.partition import PartitionLimits, TileNode, partition
from tiles.tileset import tileset_json
from twin.domain import AttributeType, FeatureRows
from twin.errors import CRSError, IngestError, InvalidInputError
from twin.naming import validate_layer_id
from twin.pipeline.versions import fail_version, put_tileset, remove_stale_versions, reserve_version
from twin.readers.citygml import read_citygml
from twin.readers.cityjson import read_cityjson
from twin.readers.citymodel import GROUND, ROOF, WALL, CityModel, CityObject
from twin.readers.crs import crs_label, parse_crs

log = logging.getLogger("twin.pipeline")
F64 = npt.NDArray[np.float64]

HEIGHTS_NOTE = (
    "heights as given in the source, used as ellipsoidal heights (no geoid model applied)"
)
#: display colours (sRGB) by semantic surface; untyped polygons by their slope
COLORS = {
    ROOF: (140, 58, 42, 255),
    WALL: (222, 222, 216, 255),
    GROUND: (80, 80, 80, 255),
    "other": (160, 160, 160, 255),
}
TILE_COLUMNS: dict[str, Any] = {
    "id": "string",
    "class": "string",
    "name": "string",
    "lod": "string",
    "measuredHeight": "number",
    "storeysAboveGround": "integer",
    "function": "string",
    "usage": "string",
}


@dataclass(frozen=True)
class CityModelPublishResult:
    layer: str
    version: int
    previous_version: int | None
    tileset_key: str
    format: str
    feature_count: int  # catalog rows: every Building and BuildingPart
    tiled_count: int  # features with geometry in the tiles
    tile_count: int
    stored_bytes: int
    seconds: float
    warnings: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        out = dict(vars(self))
        out["warnings"] = list(self.warnings)
        return out


def read_city_model(path: Path, *, lod: int = 2, crs: str | None = None) -> CityModel:
    """CityGML when the file starts with ``<``, else CityJSON / CityJSONSeq."""
    if lod not in (1, 2):
        raise InvalidInputError("--lod must be 1 or 2")
    try:
        with path.open("rb") as fh:
            head = fh.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError as exc:
        raise InvalidInputError(f"{path.name}: cannot be read ({exc.strerror})") from None
    if head.startswith(b"<"):
        return read_citygml(path, lod=lod, crs=crs)
    return read_cityjson(path, lod=lod)


def publish_citymodel(
    model: CityModel,
    *,
    layer: str,
    store: ObjectStore,
    catalog: Catalog,
    crs: str | None = None,
    title: str | None = None,
    limits: PartitionLimits | None = None,
    progress: bool = False,
) -> CityModelPublishResult:
    started = time.perf_counter()
    layer = validate_layer_id(layer)
    source_crs = _resolve_crs(model, crs)
    placed = _place(model, source_crs, layer)
    version, prefix = reserve_version(
        layer,
        kind="buildings",
        title=title or layer,
        crs=crs_label(source_crs),
        store=store,
        catalog=catalog,
    )
    try:
        tree = _partition(placed.meshes, limits or PartitionLimits())
        nodes = [n for n in tree.walk() if len(n.content)]
        keys, stored = _store_tiles(nodes, placed, store, prefix, layer, progress)
        rows = _rows(model, placed, keys, layer)
        catalog.add_features(layer, version, rows)
        tiled = len(placed.meshes)
        # regions from every vertex, not the footprints: eaves reach beyond the ground surface
        bounds = np.array([m.bounds_deg for m in placed.meshes], dtype=np.float64)
        doc = tileset_json(
            tree,
            frame=placed.frame,
            bounds_deg=bounds,
            zmin=rows.zmin[:tiled],
            zmax=rows.zmax[:tiled],
            content_uri=_content_uri,
            version=f"v{version:06d}",
            properties={"layer": layer, "features": tiled, "source": model.source},
        )
        tileset_key, tileset_bytes = put_tileset(store, prefix, doc)
        previous = catalog.publish_version(
            layer,
            version,
            tileset_key=tileset_key,
            bbox=(*bounds[:, :2].min(axis=0).tolist(), *bounds[:, 2:].max(axis=0).tolist()),
            zmin=float(rows.zmin.min()),
            zmax=float(rows.zmax.max()),
            attribute_schema=_schema(model),
            metadata=_metadata(model, source_crs, placed),
        )
    except BaseException:
        fail_version(layer, version, store, catalog)
        raise
    remove_stale_versions(layer, keep={version, previous}, store=store, catalog=catalog)
    return CityModelPublishResult(
        layer=layer,
        version=version,
        previous_version=previous,
        tileset_key=tileset_key,
        format=f"{model.format} {model.version}".strip(),
        feature_count=len(rows),
        tiled_count=len(placed.meshes),
        tile_count=len(nodes),
        stored_bytes=stored + tileset_bytes,
        seconds=time.perf_counter() - started,
        warnings=model.warnings + placed.warnings,
    )


def _resolve_crs(model: CityModel, override: str | None) -> CRS:
    text = override or model.crs
    if not text:
        raise CRSError(f"{model.source}: the file declares no CRS; give one with --crs")
    return parse_crs(text)


@dataclass(frozen=True)
class _Placed:
    frame: EnuFrame
    meshes: list[ObjectMesh]  # objects with geometry, in tile-feature order
    index: dict[str, int]  # source object id -> position in ``meshes``
    warnings: tuple[str, ...]


def _place(model: CityModel, source_crs: CRS, layer: str) -> _Placed:
    horizontal = source_crs.sub_crs_list[0] if source_crs.is_compound else source_crs
    to_lonlat = Transformer.from_crs(horizontal, "EPSG:4326", always_xy=True)
    rings = [r for o in model.objects for s in o.surfaces for r in s.rings]
    if not rings:
        raise IngestError(f"{model.source}: no Building or BuildingPart has any geometry")
    pts = np.concatenate(rings)
    lon, lat = to_lonlat.transform(pts[:, 0], pts[:, 1])
    lon, lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        raise CRSError(f"{model.source}: coordinates fall outside the CRS {crs_label(horizontal)}")
    frame = EnuFrame(
        float((lon.min() + lon.max()) / 2),
        float((lat.min() + lat.max()) / 2),
        float(pts[:, 2].min()),
    )
    geodetic = np.column_stack([lon, lat, pts[:, 2]])
    enu = frame.from_ecef(geodetic_to_ecef(lon, lat, pts[:, 2]))
    meshes: list[ObjectMesh] = []
    index: dict[str, int] = {}
    warnings: list[str] = []
    at = 0
    for obj in model.objects:
        count = sum(len(r) for s in obj.surfaces for r in s.rings)
        if count == 0:
            continue
        mesh = mesh_object(obj, geodetic[at : at + count], enu[at : at + count])
        at += count
        if mesh.skipped:
            warnings.append(f"{obj.id}: {mesh.skipped} degenerate polygons skipped")
        if len(mesh.indices) == 0:
            warnings.append(f"{obj.id}: no polygon with an area; left out of the tiles")
            continue
        index[obj.id] = len(meshes)
        meshes.append(mesh)
    if not meshes:
        raise IngestError(f"{model.source}: no Building or BuildingPart has a polygon with an area")
    return _Placed(frame, meshes, index, tuple(warnings))


def _partition(meshes: list[ObjectMesh], limits: PartitionLimits) -> TileNode:
    lo = np.array([m.positions.min(axis=0) for m in meshes])
    hi = np.array([m.positions.max(axis=0) for m in meshes])
    centre = (lo + hi) / 2
    size = np.maximum(np.hypot(hi[:, 0] - lo[:, 0], hi[:, 1] - lo[:, 1]), hi[:, 2] - lo[:, 2])
    nbytes = np.array([len(m.positions) * 20.0 + len(m.indices) * 4.0 for m in meshes])
    return partition(centre[:, 0], centre[:, 1], size, nbytes, limits)


def _content_uri(address: str) -> str:
    return f"t/{address}.glb"


def _store_tiles(
    nodes: list[TileNode],
    placed: _Placed,
    store: ObjectStore,
    prefix: str,
    layer: str,
    progress: bool,
) -> tuple[list[str], int]:
    keys = [""] * len(placed.meshes)
    stored = 0
    for node in tqdm(nodes, desc=f"tiles {layer}", unit="tile", disable=not progress):
        members = [placed.meshes[i] for i in node.content.tolist()]
        offsets = np.cumsum([0] + [len(m.positions) for m in members])
        mesh = ElementMeshArrays(
            positions=np.concatenate([m.positions for m in members]),
            normals=np.concatenate([m.normals for m in members]),
            colors=np.concatenate([m.colors for m in members]),
            feature_ids=np.repeat(
                np.arange(len(members), dtype=np.uint32), [len(m.positions) for m in members]
            ),
            indices=np.concatenate(
                [m.indices + np.uint32(off) for m, off in zip(members, offsets, strict=False)]
            ),
        )
        encoded = encode_element_tile(mesh, _table(members, layer))
        data = gzip.compress(encoded.glb, compresslevel=6, mtime=0)
        key = prefix + _content_uri(node.address)
        store.put_bytes(key, data, content_type="model/gltf-binary", content_encoding="gzip")
        stored += len(data)
        for i in node.content.tolist():
            keys[i] = _content_uri(node.address)
    return keys, stored


def _table(members: list[ObjectMesh], layer: str) -> PropertyTable:
    values: dict[str, list[Any]] = {name: [] for name in TILE_COLUMNS}
    for m in members:
        attrs = m.obj.attributes
        values["id"].append(f"{layer}:{m.obj.id}")
        values["class"].append(m.obj.cls)
        values["name"].append(_text(attrs.get("name")))
        values["lod"].append(m.obj.lod)
        values["measuredHeight"].append(_number(attrs.get("measuredHeight"), float))
        values["storeysAboveGround"].append(_number(attrs.get("storeysAboveGround"), int))
        values["function"].append(_text(attrs.get("function")))
        values["usage"].append(_text(attrs.get("usage")))
    columns = {name: PropertyColumn(kind, values[name]) for name, kind in TILE_COLUMNS.items()}
    return PropertyTable(class_name="building", columns=columns, count=len(members))


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _number(value: Any, cast: type[float] | type[int]) -> Any:
    try:
        out = cast(float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None
    return out if out is None or np.isfinite(out) else None


def _rows(model: CityModel, placed: _Placed, keys: list[str], layer: str) -> FeatureRows:
    """Tiled objects first (row i = tile feature i), then those whose geometry is in parts."""
    known = {o.id for o in model.objects}
    children: dict[str, list[int]] = {}
    for obj in model.objects:
        if obj.parent_id and obj.id in placed.index:
            children.setdefault(obj.parent_id, []).append(placed.index[obj.id])
    tiled = sorted(
        (o for o in model.objects if o.id in placed.index), key=lambda o: placed.index[o.id]
    )
    empty = [o for o in model.objects if o.id not in placed.index and o.id in children]
    geoms: list[Any] = [m.footprint for m in placed.meshes]
    zmin = [m.zmin for m in placed.meshes]
    zmax = [m.zmax for m in placed.meshes]
    for obj in empty:
        below = children[obj.id]
        geoms.append(shapely.union_all([placed.meshes[i].footprint for i in below]))
        zmin.append(min(placed.meshes[i].zmin for i in below))
        zmax.append(max(placed.meshes[i].zmax for i in below))
    objects = tiled + empty
    attributes = []
    for obj in objects:
        attrs = dict(obj.attributes)
        attrs.update({"object_id": obj.id, "lod": obj.lod, **obj.surface_counts()})
        attributes.append(json.dumps(attrs, ensure_ascii=False, allow_nan=False, default=str))
    shapes = np.array(geoms, dtype=object)
    return FeatureRows(
        ids=[f"{layer}:{o.id}" for o in objects],
        classes=[o.cls for o in objects],
        parent_ids=[
            f"{layer}:{o.parent_id}" if o.parent_id and o.parent_id in known else None
            for o in objects
        ],
        attributes_json=attributes,
        footprints_wkb=shapely.to_wkb(shapes).tolist(),
        bboxes=np.asarray(shapely.bounds(shapes), dtype=np.float64),
        zmin=np.asarray(zmin, dtype=np.float64),
        zmax=np.asarray(zmax, dtype=np.float64),
        content_keys=keys + [""] * len(empty),
    )


def _schema(model: CityModel) -> dict[str, AttributeType]:
    seen: dict[str, set[AttributeType]] = {}
    for obj in model.objects:
        for key, value in obj.attributes.items():
            kind = _kind(value)
            if kind is not None:
                seen.setdefault(key, set()).add(kind)
    out: dict[str, AttributeType] = {}
    for key, kinds in seen.items():
        if kinds == {"integer", "number"}:
            out[key] = "number"
        elif len(kinds) == 1:
            out[key] = next(iter(kinds))
        else:
            out[key] = "string"
    out.update({"object_id": "string", "lod": "string"})
    for name in ("roof_surfaces", "wall_surfaces", "ground_surfaces"):
        out[name] = "integer"
    return out


def _kind(value: Any) -> AttributeType | None:
    for cls, kind in ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string")):
        if isinstance(value, cls):
            return kind  # type: ignore[return-value]
    return None


def _metadata(model: CityModel, source_crs: CRS, placed: _Placed) -> dict[str, Any]:
    horizontal = source_crs.sub_crs_list[0] if source_crs.is_compound else source_crs
    return {
        "source_file": model.source,
        "format": model.format,
        "format_version": model.version,
        "crs": crs_label(source_crs),
        "horizontal_crs": crs_label(horizontal),
        "heights": HEIGHTS_NOTE,
        "frame": {"lon": placed.frame.lon, "lat": placed.frame.lat, "height": placed.frame.height},
        "lods": dict(Counter(str(o.lod) for o in model.objects)),
        "classes": dict(Counter(o.cls for o in model.objects)),
        "warnings": list(model.warnings + placed.warnings)[:100],
    }


@dataclass(frozen=True)
class ObjectMesh:
    """One object's triangles in frame metres, with its lon/lat footprint and height range."""

    obj: CityObject
    positions: F64
    normals: npt.NDArray[np.float32]
    colors: npt.NDArray[np.uint8]
    indices: npt.NDArray[np.uint32]
    footprint: Any  # shapely polygon(s) in lon/lat
    bounds_deg: tuple[float, ...]  # of every vertex: west, south, east, north
    zmin: float
    zmax: float
    skipped: int  # polygons without an area


def mesh_object(obj: CityObject, geodetic: F64, enu: F64) -> ObjectMesh:
    """Triangulate ``obj``'s surfaces; ``geodetic``/``enu`` hold its ring vertices in order.

    The footprint is the union of the GroundSurfaces, or where the source types none, the
    shadow of every polygon seen from above (the convex hull if that has no area).
    """
    pos: list[F64] = []
    nrm: list[F64] = []
    col: list[tuple[int, ...]] = []
    idx: list[npt.NDArray[np.int64]] = []
    ground: list[Any] = []
    at = count = skipped = 0
    typed_ground = any(s.kind == GROUND for s in obj.surfaces)
    for surface in obj.surfaces:
        sizes = [len(r) for r in surface.rings]
        pts = enu[at : at + sum(sizes)]
        lonlat = geodetic[at : at + sum(sizes), :2]
        at += sum(sizes)
        tri = _triangulate(pts, sizes)
        if tri is None:
            skipped += 1
            continue
        triangles, normal = tri
        kind = surface.kind or (ROOF if normal[2] > 0.5 else GROUND if normal[2] < -0.5 else WALL)
        if kind == GROUND or not typed_ground:  # else: the shadow of every polygon
            ground.append(_polygon(lonlat, sizes))
        pos.append(pts)
        nrm.append(np.broadcast_to(normal, pts.shape))
        col.extend([COLORS.get(kind, COLORS["other"])] * len(pts))
        idx.append(triangles + count)
        count += len(pts)
    footprint: Any = shapely.union_all([g for g in ground if g is not None and not g.is_empty])
    if footprint.is_empty or footprint.area == 0:
        footprint = shapely.convex_hull(shapely.multipoints(geodetic[:, :2]))
    return ObjectMesh(
        obj=obj,
        positions=np.concatenate(pos) if pos else np.zeros((0, 3)),
        normals=(np.concatenate(nrm) if nrm else np.zeros((0, 3))).astype(np.float32),
        colors=np.asarray(col, dtype=np.uint8).reshape(-1, 4),
        indices=(np.concatenate(idx) if idx else np.zeros(0, np.int64)).astype(np.uint32),
        footprint=footprint,
        bounds_deg=(*geodetic[:, :2].min(axis=0).tolist(), *geodetic[:, :2].max(axis=0).tolist()),
        zmin=float(geodetic[:, 2].min()),
        zmax=float(geodetic[:, 2].max()),
        skipped=skipped,
    )


def _triangulate(pts: F64, sizes: list[int]) -> tuple[npt.NDArray[np.int64], F64] | None:
    """Earcut in the best-fit plane (Newell normal of the exterior); holes are the other rings."""
    local = pts - pts[0]
    ext = local[: sizes[0]]
    nxt = np.roll(ext, -1, axis=0)
    normal = np.cross(ext, nxt).sum(axis=0)
    length = float(np.linalg.norm(normal))
    if length < 1e-9:
        return None
    normal = normal / length
    helper = np.array([1.0, 0.0, 0.0]) if abs(normal[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    u = np.cross(helper, normal)
    u /= np.linalg.norm(u)
    v = np.cross(normal, u)
    uv = np.column_stack([local @ u, local @ v])
    ends = np.cumsum(sizes).astype(np.uint32)
    tri = np.asarray(mapbox_earcut.triangulate_float64(uv, ends), dtype=np.int64)
    if len(tri) == 0:
        return None
    t = tri.reshape(-1, 3)
    a, b, c = local[t[:, 0]], local[t[:, 1]], local[t[:, 2]]
    if float((np.cross(b - a, c - a) @ normal).sum()) < 0:  # wind like the polygon
        t = t[:, [0, 2, 1]]
    return t.reshape(-1), normal


def _polygon(lonlat: F64, sizes: list[int]) -> Any:
    ends = np.cumsum(sizes)
    rings = [lonlat[e - n : e] for e, n in zip(ends, sizes, strict=True)]
    valid = shapely.make_valid(shapely.Polygon(rings[0], rings[1:]))
    parts = [g for g in shapely.get_parts(valid) if g.area > 0]  # drop lines of edge-on walls
    return shapely.union_all(parts) if parts else None
