"""The triangles of one published layer version, in ECEF, each mapped to its feature id.

Read from the tile contents the viewer draws (``tiles.read_glb``), walking the layer's
tileset: with ADD refinement every content counts (each feature is stored once); with
REPLACE refinement (terrain) only the finest contents do, since a parent's mesh is a
coarser copy of its children's. Point clouds have no surfaces and give no triangles.
"""

from __future__ import annotations

import gzip
import json
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from tiles.read_glb import read_glb_triangles
from twin.errors import InvalidInputError

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

#: layer kinds with surfaces a ray can hit
MESH_KINDS = frozenset({"buildings", "terrain", "bim", "streets"})


@dataclass(frozen=True)
class LayerMesh:
    """Triangles of ``layer`` version ``version``: ECEF vertices, per-triangle feature index."""

    layer: str
    version: int
    kind: str
    vertices: F64  # (n, 3) ECEF metres
    triangles: I64  # (m, 3)
    triangle_feature: I64  # (m,) index into feature_ids, -1 for none
    feature_ids: tuple[str, ...]

    @property
    def triangle_count(self) -> int:
        return len(self.triangles)


def load_layer_mesh(store: ObjectStore, catalog: Catalog, layer: str) -> LayerMesh:
    """The current version's triangles of ``layer`` (raises for unknown or unpublished)."""
    record = catalog.get_layer(layer)
    if record.version is None or not record.tileset_key:
        raise InvalidInputError(f"layer {layer!r} has no published version yet")
    if record.kind not in MESH_KINDS:
        raise InvalidInputError(
            f"layer {layer!r} is a {record.kind} layer: analyses need surfaces "
            f"({', '.join(sorted(MESH_KINDS))})"
        )
    tileset = json.loads(_unzip(store.get_bytes(record.tileset_key)))
    base = posixpath.dirname(record.tileset_key)
    vertices: list[F64] = []
    triangles: list[I64] = []
    features: list[I64] = []
    ids: dict[str, int] = {}
    count = 0
    for uri, transform in _contents(tileset["root"], np.eye(4), tileset["root"].get("refine")):
        key = posixpath.normpath(posixpath.join(base, uri.split("?")[0]))
        glb = read_glb_triangles(_unzip(store.get_bytes(key)))
        if not len(glb.triangles):
            continue
        local = np.asarray([ids.setdefault(i, len(ids)) for i in glb.feature_ids], np.int64)
        vertices.append(glb.vertices @ transform[:3, :3].T + transform[:3, 3])
        triangles.append(glb.triangles + count)
        features.append(np.where(glb.triangle_feature >= 0, local[glb.triangle_feature], -1))
        count += len(glb.vertices)
    if not vertices:
        empty = np.zeros((0, 3))
        return LayerMesh(
            layer,
            record.version,
            record.kind,
            empty,
            empty.astype(np.int64),
            np.zeros(0, np.int64),
            (),
        )
    return LayerMesh(
        layer=layer,
        version=record.version,
        kind=record.kind,
        vertices=np.concatenate(vertices),
        triangles=np.concatenate(triangles),
        triangle_feature=np.concatenate(features),
        feature_ids=tuple(ids),
    )


def _contents(tile: dict[str, Any], parent: F64, refine: str | None) -> Iterator[tuple[str, F64]]:
    transform = parent
    if "transform" in tile:
        transform = parent @ np.asarray(tile["transform"], dtype=np.float64).reshape(4, 4).T
    refine = tile.get("refine", refine) or "REPLACE"
    children = tile.get("children") or []
    contents = list(tile.get("contents") or ([tile["content"]] if "content" in tile else []))
    if refine == "ADD" or not children:
        for content in contents:
            uri = content.get("uri") or content.get("url")
            if uri and uri.split("?")[0].endswith(".glb"):
                yield uri, transform
    for child in children:
        yield from _contents(child, transform, refine)


def _unzip(data: bytes) -> bytes:
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
