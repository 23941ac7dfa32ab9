"""A streetscape tile as one GLB: instanced furniture models plus flat road surfaces.

* one node per street-object type, whose mesh is that type's low-poly model
  (:mod:`tiles.street_models`, one primitive and material per coloured part), with
  EXT_mesh_gpu_instancing (``TRANSLATION``, ``ROTATION``, ``SCALE`` and
  ``_FEATURE_ID_0`` per instance) and EXT_instance_features (``_FEATURE_ID_0`` is
  the instance's row in the property table);
* one node for the surfaces (roads, sidewalks, crossings: one primitive per surface
  type) with EXT_mesh_features (``_FEATURE_ID_0`` per vertex);
* one EXT_structural_metadata property table: one row per feature of the tile.

Inputs are in the layer's z-up east-north-up frame, relative to ``origin`` (the
tile centre, stored in float64 in each node's translation). Instance rotations are
3x3 matrices taking a model's own z-up axes (east, north, up at the instance) into
the layer frame, so each instance can stand plumb on the ellipsoid where it is.
Everything is plain float32 / uint buffers in the BIN chunk (no compression).
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tiles.gltf_metadata import PropertyTable, encode_table, property_id
from tiles.street_models import ModelPart, model
from twin.errors import InvalidInputError

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963
FLOAT, UNSIGNED_SHORT, UNSIGNED_INT = 5126, 5123, 5125
#: z-up (E, N, U) -> glTF y-up (E, U, -N)
ZUP_TO_GLTF = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])

SURFACE_COLORS: dict[str, tuple[float, float, float, float]] = {
    "road": (0.18, 0.18, 0.19, 1.0),
    "sidewalk": (0.62, 0.60, 0.56, 1.0),
    "crossing": (0.85, 0.85, 0.82, 1.0),
}
_OTHER_SURFACE = (0.45, 0.45, 0.45, 1.0)


@dataclass(frozen=True)
class Instances:
    kind: str  # canonical street-object type
    translations: F64  # (n, 3) z-up, relative to the tile origin
    rotations: F64  # (n, 3, 3) model z-up axes -> layer z-up frame
    scales: F64  # (n, 3) along the model's east, north, up
    rows: I64  # (n,) row of each instance in the property table


@dataclass(frozen=True)
class Surface:
    kind: str  # road / sidewalk / crossing / other
    positions: F64  # (n, 3) z-up, relative to the tile origin
    normals: F64  # (n, 3) z-up unit
    indices: I64  # (m * 3,)
    rows: I64  # (n,) property-table row of each vertex


def rotation_quaternions(rotations: F64) -> F64:
    """(n, 3, 3) z-up rotations -> (n, 4) unit glTF quaternions (x, y, z, w) in y-up axes."""
    c = ZUP_TO_GLTF
    m = c @ rotations @ c.T
    w = np.sqrt(np.maximum(0.0, 1.0 + m[:, 0, 0] + m[:, 1, 1] + m[:, 2, 2])) / 2
    x = np.sqrt(np.maximum(0.0, 1.0 + m[:, 0, 0] - m[:, 1, 1] - m[:, 2, 2])) / 2
    y = np.sqrt(np.maximum(0.0, 1.0 - m[:, 0, 0] + m[:, 1, 1] - m[:, 2, 2])) / 2
    z = np.sqrt(np.maximum(0.0, 1.0 - m[:, 0, 0] - m[:, 1, 1] + m[:, 2, 2])) / 2
    x = np.copysign(x, m[:, 2, 1] - m[:, 1, 2])
    y = np.copysign(y, m[:, 0, 2] - m[:, 2, 0])
    z = np.copysign(z, m[:, 1, 0] - m[:, 0, 1])
    q = np.stack([x, y, z, w], axis=1)
    out: F64 = q / np.linalg.norm(q, axis=1, keepdims=True)
    return out


def encode_street_tile(
    instances: list[Instances],
    surfaces: list[Surface],
    table: PropertyTable,
    *,
    origin: tuple[float, float, float],
) -> bytes:
    if not instances and not surfaces:
        raise InvalidInputError("a street tile needs at least one instance or surface")
    w = _Writer()
    columns = encode_table(table)
    nodes: list[dict[str, Any]] = []
    meshes: list[dict[str, Any]] = []
    translation = [float(origin[0]), float(origin[2]), float(-origin[1])]
    for inst in instances:
        prims = [_model_primitive(w, part) for part in model(inst.kind)]
        meshes.append({"name": inst.kind, "primitives": prims})
        attrs = {
            "TRANSLATION": w.accessor(inst.translations @ ZUP_TO_GLTF.T, "VEC3", None),
            "ROTATION": w.accessor(rotation_quaternions(inst.rotations), "VEC4", None),
            "SCALE": w.accessor(inst.scales[:, [0, 2, 1]], "VEC3", None),
            "_FEATURE_ID_0": w.accessor(inst.rows.astype(np.float64), "SCALAR", None),
        }
        feature_ids = {
            "featureCount": len(np.unique(inst.rows)),
            "attribute": 0,
            "propertyTable": 0,
        }
        nodes.append(
            {
                "name": inst.kind,
                "mesh": len(meshes) - 1,
                "translation": translation,
                "extensions": {
                    "EXT_mesh_gpu_instancing": {"attributes": attrs},
                    "EXT_instance_features": {"featureIds": [feature_ids]},
                },
            }
        )
    if surfaces:
        prims = [_surface_primitive(w, s) for s in surfaces]
        meshes.append({"name": "surfaces", "primitives": prims})
        nodes.append({"name": "surfaces", "mesh": len(meshes) - 1, "translation": translation})
    used = ["EXT_structural_metadata"]
    if instances:
        used += ["EXT_mesh_gpu_instancing", "EXT_instance_features"]
    if surfaces:
        used.append("EXT_mesh_features")
    meta = _metadata(table, columns, w)  # before the buffer length is read
    doc: dict[str, Any] = {
        "asset": {"version": "2.0", "generator": "twin"},
        "extensionsUsed": used,
        "scene": 0,
        "scenes": [{"nodes": list(range(len(nodes)))}],
        "nodes": nodes,
        "meshes": meshes,
        "materials": w.materials,
        "accessors": w.accessors,
        "bufferViews": w.views,
        "buffers": [{"byteLength": len(w.bin)}],
        "extensions": {"EXT_structural_metadata": meta},
    }
    if instances:
        doc["extensionsRequired"] = ["EXT_mesh_gpu_instancing"]
    return _glb(doc, bytes(w.bin))


def _model_primitive(w: _Writer, part: ModelPart) -> dict[str, Any]:
    return {
        "attributes": {
            "POSITION": w.accessor(part.positions, "VEC3", ARRAY_BUFFER, bounds=True),
            "NORMAL": w.accessor(part.normals, "VEC3", ARRAY_BUFFER),
        },
        "indices": w.indices(part.indices.astype(np.int64)),
        "material": w.material(part.color),
        "mode": 4,
    }


def _surface_primitive(w: _Writer, s: Surface) -> dict[str, Any]:
    color = SURFACE_COLORS.get(s.kind, _OTHER_SURFACE)
    return {
        "attributes": {
            "POSITION": w.accessor(s.positions @ ZUP_TO_GLTF.T, "VEC3", ARRAY_BUFFER, bounds=True),
            "NORMAL": w.accessor(s.normals @ ZUP_TO_GLTF.T, "VEC3", ARRAY_BUFFER),
            "_FEATURE_ID_0": w.accessor(s.rows.astype(np.float64), "SCALAR", ARRAY_BUFFER),
        },
        "indices": w.indices(s.indices),
        "material": w.material(color),
        "mode": 4,
        "extensions": {
            "EXT_mesh_features": {
                "featureIds": [
                    {"featureCount": len(np.unique(s.rows)), "attribute": 0, "propertyTable": 0}
                ]
            }
        },
    }


class _Writer:
    def __init__(self) -> None:
        self.bin = bytearray()
        self.views: list[dict[str, Any]] = []
        self.accessors: list[dict[str, Any]] = []
        self.materials: list[dict[str, Any]] = []
        self._material_of: dict[tuple[float, ...], int] = {}

    def view(self, data: bytes, target: int | None, stride: int | None = None) -> int:
        self.bin += b"\x00" * (-len(self.bin) % 8)
        view: dict[str, Any] = {"buffer": 0, "byteOffset": len(self.bin), "byteLength": len(data)}
        if target is not None:
            view["target"] = target
        if stride is not None:
            view["byteStride"] = stride
        self.bin += data
        self.views.append(view)
        return len(self.views) - 1

    def accessor(
        self, values: npt.ArrayLike, kind: str, target: int | None, *, bounds: bool = False
    ) -> int:
        arr = np.ascontiguousarray(values, dtype=np.float32)
        width = {"SCALAR": 1, "VEC3": 3, "VEC4": 4}[kind]
        arr = arr.reshape(-1, width)
        stride = 4 * width if target == ARRAY_BUFFER and width > 1 else None
        acc: dict[str, Any] = {
            "bufferView": self.view(arr.tobytes(), target, stride),
            "componentType": FLOAT,
            "count": len(arr),
            "type": kind,
        }
        if bounds:
            acc["min"] = [float(v) for v in arr.min(axis=0)]
            acc["max"] = [float(v) for v in arr.max(axis=0)]
        self.accessors.append(acc)
        return len(self.accessors) - 1

    def indices(self, idx: I64) -> int:
        small = int(idx.max(initial=0)) < 65535
        data = idx.astype(np.uint16 if small else np.uint32)
        acc = {
            "bufferView": self.view(data.tobytes(), ELEMENT_ARRAY_BUFFER),
            "componentType": UNSIGNED_SHORT if small else UNSIGNED_INT,
            "count": len(idx),
            "type": "SCALAR",
        }
        self.accessors.append(acc)
        return len(self.accessors) - 1

    def material(self, color: tuple[float, float, float, float]) -> int:
        key = tuple(float(c) for c in color)
        if key not in self._material_of:
            self._material_of[key] = len(self.materials)
            self.materials.append(
                {
                    "pbrMetallicRoughness": {
                        "baseColorFactor": list(key),
                        "metallicFactor": 0.0,
                        "roughnessFactor": 0.9,
                    }
                }
            )
        return self._material_of[key]


def _metadata(table: PropertyTable, columns: list[Any], w: _Writer) -> dict[str, Any]:
    class_id = property_id(table.class_name)
    klass: dict[str, Any] = {
        "name": table.class_name,
        "properties": {c.property_id: c.definition for c in columns},
    }
    props: dict[str, Any] = {}
    for c in columns:
        empty = c.string_offsets is not None and not any(c.string_offsets)
        if empty and not c.definition["required"]:
            continue  # an optional property with no data at all may be left out
        prop: dict[str, Any] = {"values": w.view(c.values, None)}
        if c.string_offsets is not None:
            prop["stringOffsets"] = w.view(c.string_offsets, None)
            prop["stringOffsetType"] = c.string_offset_type
        props[c.property_id] = prop
    return {
        "schema": {"id": "twin", "classes": {class_id: klass}},
        "propertyTables": [{"class": class_id, "count": table.count, "properties": props}],
    }


def _glb(doc: dict[str, Any], binary: bytes) -> bytes:
    js = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
    js += b" " * (-len(js) % 4)
    binary += b"\x00" * (-len(binary) % 4)
    total = 28 + len(js) + len(binary)
    return b"".join(
        (
            struct.pack("<4sII", b"glTF", 2, total),
            struct.pack("<II", len(js), 0x4E4F534A),
            js,
            struct.pack("<II", len(binary), 0x004E4942),
            binary,
        )
    )
