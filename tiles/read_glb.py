"""Read the triangles of a 3D Tiles GLB content back, each mapped to its feature id.

The analyses (twin/analysis) trace rays against what the viewer shows, so they read the
published tile contents rather than re-deriving geometry from sources. This reader handles
what glTF 2.0 allows twin's tilers (and most others) to write: a node hierarchy with
matrices or TRS, ``KHR_mesh_quantization`` (normalised or not), ``EXT_meshopt_compression``
(filter NONE), ``EXT_mesh_gpu_instancing`` and feature ids from ``EXT_mesh_features`` /
``EXT_instance_features`` resolved through the ``EXT_structural_metadata`` property table's
``id`` property. Triangles come out in the 3D Tiles z-up content frame (glTF's y-up turned
as the 3D Tiles specification says); points and lines are skipped.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any

import meshoptimizer
import numpy as np
import numpy.typing as npt

from twin.errors import InvalidInputError

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

_MESHOPT = ("EXT_meshopt_compression", "KHR_meshopt_compression")
_COMPONENT = {5120: "<i1", 5121: "<u1", 5122: "<i2", 5123: "<u2", 5125: "<u4", 5126: "<f4"}
_NORMALISE = {5120: 127.0, 5121: 255.0, 5122: 32767.0, 5123: 65535.0}
_WIDTH = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT4": 16}
_OFFSET_TYPE = {"UINT8": "<u1", "UINT16": "<u2", "UINT32": "<u4", "UINT64": "<u8"}
#: glTF y-up (x, y, z) -> 3D Tiles z-up (x, -z, y)
Y_UP_TO_Z_UP = np.array([[1.0, 0, 0, 0], [0, 0, -1.0, 0], [0, 1.0, 0, 0], [0, 0, 0, 1.0]])


@dataclass(frozen=True)
class GlbTriangles:
    """Triangles in the content's z-up frame; ``triangle_feature`` indexes ``feature_ids``
    (-1 where the mesh carries no feature id)."""

    vertices: F64  # (n, 3)
    triangles: I64  # (m, 3)
    triangle_feature: I64  # (m,)
    feature_ids: tuple[str, ...]


class _Glb:
    def __init__(self, data: bytes) -> None:
        if len(data) < 20 or data[:4] != b"glTF":
            raise InvalidInputError("tile content is not a GLB")
        _, _, total = struct.unpack_from("<4sII", data, 0)
        json_len, json_type = struct.unpack_from("<II", data, 12)
        if json_type != 0x4E4F534A or 20 + json_len > len(data) or total > len(data):
            raise InvalidInputError("tile content has a broken GLB header")
        self.doc: dict[str, Any] = json.loads(data[20 : 20 + json_len].decode("utf-8"))
        rest = 20 + json_len
        self.bin = b""
        if rest + 8 <= len(data):
            bin_len, _ = struct.unpack_from("<II", data, rest)
            self.bin = data[rest + 8 : rest + 8 + bin_len]
        self._views: dict[int, bytes] = {}

    def view(self, index: int) -> bytes:
        if index not in self._views:
            self._views[index] = self._decode_view(self.doc["bufferViews"][index])
        return self._views[index]

    def _decode_view(self, view: dict[str, Any]) -> bytes:
        exts = view.get("extensions", {})
        ext = next((exts[k] for k in _MESHOPT if k in exts), None)
        if ext is None:
            if view.get("buffer", 0) != 0:
                raise InvalidInputError("tile content refers to an external buffer")
            start = view.get("byteOffset", 0)
            return self.bin[start : start + view["byteLength"]]
        if ext.get("filter", "NONE") != "NONE":
            raise InvalidInputError(f"meshopt filter {ext['filter']} is not supported")
        start = ext.get("byteOffset", 0)
        src = np.frombuffer(self.bin[start : start + ext["byteLength"]], dtype=np.uint8)
        count, stride, mode = ext["count"], ext["byteStride"], ext["mode"]
        if mode == "ATTRIBUTES":
            out = meshoptimizer.decode_vertex_buffer(
                count, stride, src, dtype=np.dtype(("V", stride))
            )
            return bytes(out.tobytes())
        if mode == "TRIANGLES":
            raw = meshoptimizer.decode_index_buffer(count, stride, src).tobytes()
        else:
            raw = meshoptimizer.decode_index_sequence(count, stride, src).tobytes()
        return bytes(raw[: count * stride])

    def accessor(self, index: int, *, normalise: bool = True) -> npt.NDArray[Any]:
        acc = self.doc["accessors"][index]
        dtype = np.dtype(_COMPONENT[acc["componentType"]])
        width = _WIDTH[acc["type"]]
        count = int(acc["count"])
        if "bufferView" not in acc:
            values: npt.NDArray[Any] = np.zeros((count, width), dtype=dtype)
        else:
            view = self.doc["bufferViews"][acc["bufferView"]]
            raw = np.frombuffer(self.view(acc["bufferView"]), dtype=np.uint8)
            stride = view.get("byteStride") or dtype.itemsize * width
            start = acc.get("byteOffset", 0)
            need = (count - 1) * stride + dtype.itemsize * width if count else 0
            rows = raw[start : start + need]
            if len(rows) < need:
                raise InvalidInputError("a tile accessor runs past its buffer view")
            rows = np.pad(rows, (0, count * stride - len(rows))).reshape(count, stride)
            values = rows[:, : dtype.itemsize * width].copy().view(dtype)
        if normalise and acc.get("normalized") and acc["componentType"] in _NORMALISE:
            out = np.maximum(values.astype(np.float64) / _NORMALISE[acc["componentType"]], -1.0)
            return out[:, 0] if width == 1 else out
        return values[:, 0] if width == 1 else values


def read_glb_triangles(data: bytes) -> GlbTriangles:
    """Every triangle of the GLB's default scene, in the z-up content frame."""
    glb = _Glb(data)
    doc = glb.doc
    ids = _feature_table_ids(glb)
    parts: list[tuple[F64, I64, I64]] = []
    scene = doc.get("scenes", [{}])[doc.get("scene", 0)] if doc.get("scenes") else {}
    stack = [(n, Y_UP_TO_Z_UP) for n in scene.get("nodes", [])]
    while stack:
        index, parent = stack.pop()
        node = doc["nodes"][index]
        world = parent @ _node_matrix(node)
        if "mesh" in node:
            parts.extend(_node_triangles(glb, node, world))
        stack.extend((c, world) for c in node.get("children", []))
    if not parts:
        return GlbTriangles(
            np.zeros((0, 3)), np.zeros((0, 3), np.int64), np.zeros(0, np.int64), ids
        )
    vertices, triangles, features = [], [], []
    base = 0
    for v, t, f in parts:
        vertices.append(v)
        triangles.append(t + base)
        features.append(f)
        base += len(v)
    feat = np.concatenate(features)
    feat = np.where((feat >= 0) & (feat < len(ids)), feat, -1)
    return GlbTriangles(np.concatenate(vertices), np.concatenate(triangles), feat, ids)


def _node_matrix(node: dict[str, Any]) -> F64:
    if "matrix" in node:
        return np.asarray(node["matrix"], dtype=np.float64).reshape(4, 4).T
    m = np.eye(4)
    x, y, z, w = node.get("rotation", [0.0, 0.0, 0.0, 1.0])
    m[:3, :3] = _quaternion_matrix(np.array([[x, y, z, w]], dtype=np.float64))[0]
    m[:3, :3] *= np.asarray(node.get("scale", [1.0, 1.0, 1.0]), dtype=np.float64)[None, :]
    m[:3, 3] = node.get("translation", [0.0, 0.0, 0.0])
    return m


def _quaternion_matrix(q: F64) -> F64:
    """(k, 4) unit quaternions (x, y, z, w) -> (k, 3, 3) rotation matrices."""
    x, y, z, w = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
            np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
            np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1),
        ],
        axis=1,
    )


def _node_triangles(glb: _Glb, node: dict[str, Any], world: F64) -> list[tuple[F64, I64, I64]]:
    mesh = glb.doc["meshes"][node["mesh"]]
    local: list[tuple[F64, I64, I64]] = []
    for prim in mesh.get("primitives", []):
        if prim.get("mode", 4) != 4 or "POSITION" not in prim.get("attributes", {}):
            continue
        pos = glb.accessor(prim["attributes"]["POSITION"]).astype(np.float64)
        if "indices" in prim:
            idx = glb.accessor(prim["indices"]).astype(np.int64)
        else:
            idx = np.arange(len(pos), dtype=np.int64)
        tri = idx[: len(idx) // 3 * 3].reshape(-1, 3)
        if len(tri) and (tri.min() < 0 or tri.max() >= len(pos)):
            raise InvalidInputError("a tile's triangle indices run past its vertices")
        fid = _vertex_feature_ids(glb, prim, len(pos))
        local.append((pos, tri, fid[tri[:, 0]] if len(tri) else np.zeros(0, np.int64)))
    instancing = node.get("extensions", {}).get("EXT_mesh_gpu_instancing")
    if instancing is None:
        return [(_apply(world, p), t, f) for p, t, f in local]
    matrices, instance_ids = _instances(glb, node, instancing)
    out: list[tuple[F64, I64, I64]] = []
    for k, m in enumerate(matrices):
        full = world @ m
        for p, t, f in local:
            feature = np.full(len(t), instance_ids[k], np.int64) if instance_ids is not None else f
            out.append((_apply(full, p), t, feature))
    return out


def _apply(m: F64, p: F64) -> F64:
    out: F64 = p @ m[:3, :3].T + m[:3, 3]
    return out


def _vertex_feature_ids(glb: _Glb, prim: dict[str, Any], count: int) -> I64:
    ext = prim.get("extensions", {}).get("EXT_mesh_features")
    if not ext or not ext.get("featureIds"):
        return np.full(count, -1, np.int64)
    spec = ext["featureIds"][0]
    if "attribute" in spec:
        name = f"_FEATURE_ID_{spec['attribute']}"
        if name not in prim["attributes"]:
            return np.full(count, -1, np.int64)
        ids = np.rint(glb.accessor(prim["attributes"][name], normalise=False)).astype(np.int64)
    else:
        ids = np.arange(count, dtype=np.int64) // max(1, int(spec.get("repeat", 1)))
        ids += int(spec.get("offset", 0))
    if "nullFeatureId" in spec:
        ids = np.where(ids == int(spec["nullFeatureId"]), -1, ids)
    out: I64 = np.asarray(ids, dtype=np.int64)
    return out


def _instances(
    glb: _Glb, node: dict[str, Any], instancing: dict[str, Any]
) -> tuple[list[F64], I64 | None]:
    attrs = instancing.get("attributes", {})
    counts = [glb.doc["accessors"][a]["count"] for a in attrs.values()]
    n = counts[0] if counts else 0
    t = glb.accessor(attrs["TRANSLATION"]) if "TRANSLATION" in attrs else np.zeros((n, 3))
    r = glb.accessor(attrs["ROTATION"]) if "ROTATION" in attrs else np.tile([0, 0, 0, 1.0], (n, 1))
    s = glb.accessor(attrs["SCALE"]) if "SCALE" in attrs else np.ones((n, 3))
    rot = _quaternion_matrix(np.asarray(r, dtype=np.float64).reshape(n, 4))
    matrices = []
    for k in range(n):
        m = np.eye(4)
        m[:3, :3] = rot[k] * np.asarray(s[k], dtype=np.float64)[None, :]
        m[:3, 3] = t[k]
        matrices.append(m)
    ids: I64 | None = None
    ext = node.get("extensions", {}).get("EXT_instance_features")
    if ext and ext.get("featureIds"):
        spec = ext["featureIds"][0]
        name = f"_FEATURE_ID_{spec.get('attribute', 0)}"
        if "attribute" in spec and name in attrs:
            ids = np.rint(glb.accessor(attrs[name], normalise=False)).astype(np.int64)
        else:
            ids = np.arange(n, dtype=np.int64)
    return matrices, ids


def _feature_table_ids(glb: _Glb) -> tuple[str, ...]:
    meta = glb.doc.get("extensions", {}).get("EXT_structural_metadata")
    if not meta or not meta.get("propertyTables"):
        return ()
    table = meta["propertyTables"][0]
    klass = meta.get("schema", {}).get("classes", {}).get(table.get("class"), {})
    pid = next(
        (k for k, d in klass.get("properties", {}).items() if d.get("name", k) == "id"), None
    )
    prop = table.get("properties", {}).get(pid) if pid else None
    if prop is None or klass["properties"][pid].get("type") != "STRING":
        return tuple(str(i) for i in range(int(table.get("count", 0))))
    raw = glb.view(prop["values"])
    offsets = np.frombuffer(
        glb.view(prop["stringOffsets"]),
        dtype=_OFFSET_TYPE[prop.get("stringOffsetType", "UINT32")],
    )
    return tuple(
        raw[int(offsets[i]) : int(offsets[i + 1])].decode("utf-8") for i in range(len(offsets) - 1)
    )
