"""Build one tile content: extrude, encode GLB, gzip, store. Runs on Dask workers."""

from __future__ import annotations

import gzip
from dataclasses import dataclass

from storage.objects.protocol import ObjectStore
from tiles.extrude import Footprints, extrude
from tiles.gltf import MeshArrays, PropertyTable, encode_glb
from tiles.gltf_geometry import relative_to_centre


@dataclass(frozen=True)
class TileTask:
    key: str
    footprints: Footprints
    table: PropertyTable
    gzip_level: int = 6


@dataclass(frozen=True)
class TileResult:
    key: str
    features: int
    glb_bytes: int
    stored_bytes: int


def encode_tile(task: TileTask) -> bytes:
    mesh = extrude(task.footprints)
    positions, origin = relative_to_centre(mesh.positions)
    arrays = MeshArrays(
        positions=positions,
        normals=mesh.normals,
        feature_ids=mesh.feature_ids,
        indices=mesh.indices,
    )
    return encode_glb(arrays, task.table, origin=origin)


def build_tile(task: TileTask, store: ObjectStore) -> TileResult:
    glb = encode_tile(task)
    data = gzip.compress(glb, compresslevel=task.gzip_level, mtime=0)
    store.put_bytes(task.key, data, content_type="model/gltf-binary", content_encoding="gzip")
    return TileResult(
        key=task.key,
        features=task.footprints.feature_count,
        glb_bytes=len(glb),
        stored_bytes=len(data),
    )
