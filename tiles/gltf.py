"""GLB contents of twin's 3D Tiles 1.1 output: one mesh, one node, one property table.

The mesh has one primitive per triangle group (see :mod:`tiles.gltf_geometry`):
without vertex colours a single primitive in the ``color`` material; with them an
opaque primitive (white material, alphaMode OPAQUE: ``COLOR_0`` gives the colour)
and/or a translucent one (white material, alphaMode BLEND). The primitives share
every vertex accessor and carry the same EXT_mesh_features feature ids.

:func:`encode_glb` writes glTF 2.0 binary with

* KHR_mesh_quantization (required): int16 positions dequantised by the node's
  translation + scale, int8 normals (see :mod:`tiles.gltf_geometry`);
* EXT_meshopt_compression (required, ``compress=True``): every vertex bufferView
  in ATTRIBUTES mode and each index bufferView in TRIANGLES mode, compressed bytes
  in buffer 0 (the BIN chunk); the uncompressed layout is declared in buffer 1,
  a URI-less fallback buffer. Metadata bufferViews stay uncompressed in buffer 0;
* EXT_mesh_features: ``_FEATURE_ID_0`` gives each vertex its row in the table;
* EXT_structural_metadata: schema ``twin`` with one class and one property
  table (see :mod:`tiles.gltf_metadata` for the type mapping and no-data values).

TRIANGLES mode suits a primitive that uses only some of the shared vertices: its
bitstream can store any index (a vertex that is not the next new one is coded as a
FIFO slot, as last +- 1, or as an explicit delta), so decoding stays exact. It is
cheapest for vertices numbered from 0 in order of first use, so the larger group
gets that prefix; the other group's indices cost up to ~3 bytes a triangle
instead of ~1 (INDICES mode measured no smaller).

Every bufferView starts on an 8-byte boundary of its buffer.
"""

from __future__ import annotations

import json
import math
import struct
from typing import Any

import numpy as np

from tiles.gltf_geometry import FLOAT, MeshArrays, PackedMesh, VertexStream, pack_mesh
from tiles.gltf_metadata import (
    EncodedColumn,
    PropertyColumn,
    PropertyTable,
    encode_table,
    property_id,
)
from tiles.meshopt import encode_attributes, encode_triangles
from twin.errors import InvalidInputError

__all__ = [
    "MeshArrays",
    "PropertyColumn",
    "PropertyTable",
    "encode_glb",
    "property_id",
]

ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963
_GLB_MAGIC, _GLB_VERSION = b"glTF", 2
_CHUNK_JSON, _CHUNK_BIN = 0x4E4F534A, 0x004E4942
_MESHOPT = "EXT_meshopt_compression"
_ALIGN = 8
DEFAULT_COLOR = (0.85, 0.85, 0.82, 1.0)
_WHITE = (1.0, 1.0, 1.0, 1.0)


def encode_glb(
    mesh: MeshArrays,
    table: PropertyTable,
    *,
    compress: bool = True,
    color: tuple[float, float, float, float] = DEFAULT_COLOR,
    origin: tuple[float, float, float] = (0.0, 0.0, 0.0),
    double_sided: bool = False,
) -> bytes:
    """Encode one tile's mesh and feature table as a GLB (see the module docstring).

    ``origin`` (z-up metres, tile-local frame) is added to every position: pass
    positions relative to it to keep float32 inputs precise far from the frame's
    origin. It only moves the node (its ``translation``); the stored data is the same.

    ``color`` (linear RGBA, 0-1) is the material colour of a mesh without
    ``colors``; with them it is unused. ``double_sided`` turns back-face culling
    off in every material (for meshes whose winding is not consistent).
    """
    if len(color) != 4 or not all(math.isfinite(c) and 0.0 <= c <= 1.0 for c in color):
        raise InvalidInputError("color must be four numbers between 0 and 1")
    if len(origin) != 3 or not all(math.isfinite(c) for c in origin):
        raise InvalidInputError("origin must be three finite numbers")
    columns = encode_table(table)
    packed = pack_mesh(mesh, table.count)
    out = _Writer(compress, packed.vertex_count)
    accessors = [_vertex_accessor(out.vertex_view(s), s) for s in packed.streams]
    attributes = {s.semantic: i for i, s in enumerate(packed.streams)}
    features = {
        "EXT_mesh_features": {
            "featureIds": [{"featureCount": table.count, "attribute": 0, "propertyTable": 0}]
        }
    }
    colored = mesh.colors is not None
    primitives: list[dict[str, Any]] = []
    materials: list[dict[str, Any]] = []
    for group in packed.groups:
        accessors.append(
            {
                "bufferView": out.index_view(group.indices),
                "componentType": packed.index_component_type,
                "count": len(group.indices),
                "type": "SCALAR",
            }
        )
        if colored:
            materials.append(_material(_WHITE, double_sided, blend=group.translucent))
        else:
            materials.append(_material(color, double_sided, blend=color[3] < 1.0))
        primitives.append(
            {
                "attributes": attributes,
                "indices": len(accessors) - 1,
                "material": len(materials) - 1,
                "mode": 4,
                "extensions": features,
            }
        )
    meta = _metadata(table, columns, out)
    required = ["KHR_mesh_quantization", *([_MESHOPT] if compress else [])]
    doc: dict[str, Any] = {
        "asset": {"version": "2.0", "generator": "twin"},
        "extensionsUsed": [*required, "EXT_mesh_features", "EXT_structural_metadata"],
        "extensionsRequired": required,
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [_node(packed, origin)],
        "meshes": [{"primitives": primitives}],
        "materials": materials,
        "accessors": accessors,
        "bufferViews": out.views,
        "buffers": out.buffers(),
        "extensions": {"EXT_structural_metadata": meta},
    }
    return _glb(doc, out.bin_chunk())


def _vertex_accessor(view: int, s: VertexStream) -> dict[str, Any]:
    acc: dict[str, Any] = {
        "bufferView": view,
        "componentType": s.component_type,
        "count": s.count,
        "type": s.type,
    }
    if s.normalized:
        acc["normalized"] = True
    if s.min is not None and s.max is not None:
        as_type = float if s.component_type == FLOAT else int
        acc["min"], acc["max"] = [as_type(v) for v in s.min], [as_type(v) for v in s.max]
    return acc


def _node(packed: PackedMesh, origin: tuple[float, float, float]) -> dict[str, Any]:
    tx, ty, tz = packed.translation
    east, north, up = (float(c) for c in origin)
    # z-up (E, N, U) -> y-up (E, U, -N)
    node: dict[str, Any] = {"mesh": 0, "translation": [tx + east, ty + up, tz - north]}
    if packed.scale is not None:
        node["scale"] = [packed.scale] * 3
    return node


def _material(
    color: tuple[float, float, float, float], double_sided: bool, *, blend: bool
) -> dict[str, Any]:
    mat: dict[str, Any] = {
        "pbrMetallicRoughness": {
            "baseColorFactor": [float(c) for c in color],
            "metallicFactor": 0.0,
            "roughnessFactor": 0.9,
        },
        "doubleSided": double_sided,
    }
    if blend:
        mat["alphaMode"] = "BLEND"
    return mat


def _metadata(table: PropertyTable, columns: list[EncodedColumn], out: _Writer) -> dict[str, Any]:
    class_id = property_id(table.class_name)
    klass: dict[str, Any] = {"properties": {c.property_id: c.definition for c in columns}}
    if table.class_name:
        klass["name"] = table.class_name
    props: dict[str, Any] = {}
    for c in columns:
        empty = c.string_offsets is not None and not any(c.string_offsets)
        if empty and not c.definition["required"]:
            continue  # every value is no-data: an optional property may be left out of the table
        prop: dict[str, Any] = {"values": out.plain_view(c.values)}
        if c.string_offsets is not None:
            prop["stringOffsets"] = out.plain_view(c.string_offsets)
            prop["stringOffsetType"] = c.string_offset_type
        props[c.property_id] = prop
    return {
        "schema": {"id": "twin", "classes": {class_id: klass}},
        "propertyTables": [{"class": class_id, "count": table.count, "properties": props}],
    }


class _Writer:
    """Lays out bufferViews: buffer 0 is the BIN chunk, buffer 1 the meshopt fallback."""

    def __init__(self, compress: bool, vertex_count: int) -> None:
        self.compress = compress
        self.vertex_count = vertex_count
        self.views: list[dict[str, Any]] = []
        self._bin: list[bytes] = []
        self._bin_len = 0
        self._fallback_len = 0

    def _append_bin(self, data: bytes) -> int:
        offset = self._bin_len
        pad = -len(data) % _ALIGN
        self._bin.append(data + b"\x00" * pad if pad else data)
        self._bin_len += len(data) + pad
        return offset

    def _add(self, view: dict[str, Any]) -> int:
        self.views.append(view)
        return len(self.views) - 1

    def plain_view(self, data: bytes) -> int:
        """An uncompressed bufferView in the BIN chunk (metadata)."""
        offset = self._append_bin(data)
        return self._add({"buffer": 0, "byteOffset": offset, "byteLength": len(data)})

    def _mesh_view(self, data: np.ndarray[Any, Any], stride: int, target: int, mode: str) -> int:
        """A vertex or index bufferView: plain in BIN, or meshopt-compressed with a fallback."""
        count, length = len(data), data.nbytes
        view: dict[str, Any] = {"buffer": 0, "byteLength": length, "target": target}
        if target == ARRAY_BUFFER:
            view["byteStride"] = stride
        if not self.compress:
            view["byteOffset"] = self._append_bin(data.tobytes())
            return self._add(view)
        if mode == "ATTRIBUTES":
            encoded = encode_attributes(data, stride)
        else:
            encoded = encode_triangles(data.astype(np.uint32), self.vertex_count)
        view["buffer"], view["byteOffset"] = 1, self._fallback_len
        self._fallback_len += length + (-length % _ALIGN)
        view["extensions"] = {
            _MESHOPT: {
                "buffer": 0,
                "byteOffset": self._append_bin(encoded),
                "byteLength": len(encoded),
                "byteStride": stride,
                "count": count,
                "mode": mode,
            }
        }
        return self._add(view)

    def vertex_view(self, s: VertexStream) -> int:
        return self._mesh_view(s.rows, s.stride, ARRAY_BUFFER, "ATTRIBUTES")

    def index_view(self, indices: np.ndarray[Any, Any]) -> int:
        return self._mesh_view(indices, indices.itemsize, ELEMENT_ARRAY_BUFFER, "TRIANGLES")

    def buffers(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = [{"byteLength": self._bin_len}]
        if self._fallback_len:
            out.append(
                {"byteLength": self._fallback_len, "extensions": {_MESHOPT: {"fallback": True}}}
            )
        return out

    def bin_chunk(self) -> bytes:
        return b"".join(self._bin)


def _glb(doc: dict[str, Any], binary: bytes) -> bytes:
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    js = text.encode("utf-8")
    js += b" " * (-len(js) % 4)
    binary += b"\x00" * (-len(binary) % 4)
    total = 12 + 8 + len(js) + 8 + len(binary)
    return b"".join(
        (
            struct.pack("<4sII", _GLB_MAGIC, _GLB_VERSION, total),
            struct.pack("<II", len(js), _CHUNK_JSON),
            js,
            struct.pack("<II", len(binary), _CHUNK_BIN),
            binary,
        )
    )
