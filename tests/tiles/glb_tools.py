"""Test helpers: read twin's GLB contents back, independently of the encoder.

* :func:`read_glb` splits a GLB into its JSON document and BIN chunk;
* :func:`view_bytes` returns a bufferView's bytes, decoding EXT_meshopt_compression;
* :func:`decode_mesh` dequantises the mesh back into the z-up tile frame (every
  primitive, which must share one set of vertex accessors; COLOR_0 as stored);
* :func:`decode_table` reads the EXT_structural_metadata property table;
* :func:`decompressed` rewrites a meshopt GLB as a plain one (so the Khronos
  validator can check the decoded data: min/max, unit normals, index ranges);
* :func:`validate` runs the Khronos glTF validator (tests/node/validate_glb.mjs).
"""

from __future__ import annotations

import copy
import json
import shutil
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import meshoptimizer
import numpy as np
import pytest

NODE_DIR = Path(__file__).resolve().parents[1] / "node"
_MESHOPT = "EXT_meshopt_compression"
_COMPONENT = {5120: "<i1", 5121: "<u1", 5122: "<i2", 5123: "<u2", 5125: "<u4", 5126: "<f4"}
_WIDTH = {"SCALAR": 1, "VEC3": 3, "VEC4": 4}
_SCALAR = {"INT32": "<i4", "INT64": "<i8", "FLOAT64": "<f8", "UINT32": "<u4", "UINT64": "<u8"}


@dataclass(frozen=True)
class Glb:
    doc: dict[str, Any]
    bin: bytes


@dataclass(frozen=True)
class DecodedMesh:
    positions: np.ndarray  # (n, 3) float64, z-up tile frame
    normals: np.ndarray  # (n, 3) float64, z-up, as stored (int8 / 127)
    feature_ids: np.ndarray  # (n,) int64
    indices: np.ndarray  # (m*3,) int64, every primitive's triangles in turn
    step: float  # quantisation step in metres; 0.0 for float positions
    colors: np.ndarray | None = None  # (n, 4) uint8 COLOR_0 as stored (linear), or None
    primitive_indices: tuple[np.ndarray, ...] = ()  # (k*3,) int64 per primitive


def read_glb(data: bytes) -> Glb:
    magic, version, total = struct.unpack_from("<4sII", data, 0)
    assert magic == b"glTF" and version == 2 and total == len(data)
    json_len, json_type = struct.unpack_from("<II", data, 12)
    assert json_type == 0x4E4F534A and json_len % 4 == 0
    doc = json.loads(data[20 : 20 + json_len].decode("utf-8"))
    rest = 20 + json_len
    bin_len, bin_type = struct.unpack_from("<II", data, rest)
    assert bin_type == 0x004E4942 and bin_len % 4 == 0
    assert rest + 8 + bin_len == len(data)
    return Glb(doc=doc, bin=data[rest + 8 : rest + 8 + bin_len])


def view_bytes(glb: Glb, index: int) -> bytes:
    view = glb.doc["bufferViews"][index]
    ext = view.get("extensions", {}).get(_MESHOPT)
    if ext is None:
        assert view["buffer"] == 0
        start = view.get("byteOffset", 0)
        return glb.bin[start : start + view["byteLength"]]
    assert ext["buffer"] == 0
    start = ext.get("byteOffset", 0)
    src = glb.bin[start : start + ext["byteLength"]]
    count, stride = ext["count"], ext["byteStride"]
    if ext["mode"] == "ATTRIBUTES":
        out = meshoptimizer.decode_vertex_buffer(count, stride, src, dtype=np.dtype(("V", stride)))
        raw = out.tobytes()
    else:
        assert ext["mode"] == "TRIANGLES"
        # the binding decodes into a uint32 array whatever index_size is: with
        # 2-byte indices the packed uint16 values fill its first half
        raw = meshoptimizer.decode_index_buffer(count, stride, src).tobytes()[: count * stride]
    assert len(raw) == view["byteLength"] == count * stride
    return bytes(raw)


def read_accessor(glb: Glb, index: int) -> np.ndarray:
    """The accessor's elements as stored (no normalisation), shape (count,) or (count, k)."""
    acc = glb.doc["accessors"][index]
    view = glb.doc["bufferViews"][acc["bufferView"]]
    raw = view_bytes(glb, acc["bufferView"])
    dtype = np.dtype(_COMPONENT[acc["componentType"]])
    width = _WIDTH[acc["type"]]
    stride = view.get("byteStride", dtype.itemsize * width)
    start = acc.get("byteOffset", 0)
    rows = np.frombuffer(raw, dtype=np.uint8)[start : start + acc["count"] * stride]
    rows = np.pad(rows, (0, acc["count"] * stride - len(rows))).reshape(acc["count"], stride)
    elements = rows[:, : dtype.itemsize * width].copy().view(dtype)
    return elements[:, 0] if width == 1 else elements


def decode_mesh(glb: Glb) -> DecodedMesh:
    doc = glb.doc
    (node,) = doc["nodes"]
    (mesh,) = doc["meshes"]
    prims = mesh["primitives"]
    attrs = prims[0]["attributes"]
    assert all(p["attributes"] == attrs for p in prims), "primitives with their own vertices"
    pos = read_accessor(glb, attrs["POSITION"]).astype(np.float64)
    scale = node.get("scale", [1.0, 1.0, 1.0])
    assert scale[0] == scale[1] == scale[2]
    yup = pos * scale[0] + np.asarray(node.get("translation", [0.0, 0.0, 0.0]))
    quantised = doc["accessors"][attrs["POSITION"]]["componentType"] != 5126
    nrm = read_accessor(glb, attrs["NORMAL"]).astype(np.float64) / 127.0
    per_primitive = tuple(read_accessor(glb, p["indices"]).astype(np.int64) for p in prims)
    colors = None
    if "COLOR_0" in attrs:
        acc = doc["accessors"][attrs["COLOR_0"]]
        assert (acc["componentType"], acc["type"], acc.get("normalized")) == (5121, "VEC4", True)
        colors = read_accessor(glb, attrs["COLOR_0"])
    return DecodedMesh(
        positions=_to_z_up(yup),
        normals=_to_z_up(nrm),
        feature_ids=read_accessor(glb, attrs["_FEATURE_ID_0"]).astype(np.int64),
        indices=np.concatenate(per_primitive),
        step=float(scale[0]) if quantised else 0.0,
        colors=colors,
        primitive_indices=per_primitive,
    )


def _to_z_up(v: np.ndarray) -> np.ndarray:
    # glTF y-up (E, U, -N) -> tile frame z-up (E, N, U)
    return np.stack([v[:, 0], -v[:, 2], v[:, 1]], axis=1)


def decode_table(glb: Glb) -> dict[str, list[Any]]:
    """Property values by the original column name (class property ``name``); noData -> None."""
    meta = glb.doc["extensions"]["EXT_structural_metadata"]
    (table,) = meta["propertyTables"]
    klass = meta["schema"]["classes"][table["class"]]
    out: dict[str, list[Any]] = {}
    for pid, prop in table["properties"].items():
        definition = klass["properties"][pid]
        values = _decode_property(glb, definition, prop, table["count"])
        if "noData" in definition:
            values = [None if v == definition["noData"] else v for v in values]
        out[definition.get("name", pid)] = values
    return out


def _decode_property(
    glb: Glb, definition: dict[str, Any], prop: dict[str, Any], count: int
) -> list[Any]:
    raw = view_bytes(glb, prop["values"])
    kind = definition["type"]
    if kind == "STRING":
        offset_type = _SCALAR[prop.get("stringOffsetType", "UINT32")]
        offsets = np.frombuffer(view_bytes(glb, prop["stringOffsets"]), dtype=offset_type)
        assert len(offsets) == count + 1
        return [raw[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(count)]
    if kind == "BOOLEAN":
        bits = np.unpackbits(np.frombuffer(raw, dtype=np.uint8), bitorder="little")
        return [bool(b) for b in bits[:count]]
    assert kind == "SCALAR"
    dtype = np.dtype(_SCALAR[definition["componentType"]])
    assert len(raw) == count * dtype.itemsize
    return list(np.frombuffer(raw, dtype=dtype).tolist())


def decompressed(data: bytes) -> bytes:
    """The same asset without EXT_meshopt_compression: every view decoded into BIN."""
    glb = read_glb(data)
    doc = copy.deepcopy(glb.doc)
    chunks: list[bytes] = []
    length = 0
    for i, view in enumerate(doc["bufferViews"]):
        raw = view_bytes(glb, i)
        view.pop("extensions", None)
        view["buffer"], view["byteOffset"] = 0, length
        chunks.append(raw + b"\x00" * (-len(raw) % 8))
        length += len(chunks[-1])
    doc["buffers"] = [{"byteLength": length}]
    doc["extensionsUsed"] = [e for e in doc["extensionsUsed"] if e != _MESHOPT]
    doc["extensionsRequired"] = [e for e in doc["extensionsRequired"] if e != _MESHOPT]
    js = json.dumps(doc).encode("utf-8")
    js += b" " * (-len(js) % 4)
    binary = b"".join(chunks)
    header = struct.pack("<4sII", b"glTF", 2, 28 + len(js) + len(binary))
    return b"".join(
        [
            header,
            struct.pack("<II", len(js), 0x4E4F534A),
            js,
            struct.pack("<II", len(binary), 0x004E4942),
            binary,
        ]
    )


def validate(paths: list[Path]) -> list[dict[str, Any]]:
    """Run the Khronos glTF validator; fails (never skips) when Node or the package is missing."""
    hint = "run `npm ci --prefix tests/node` (needs Node.js 18+)"
    node = shutil.which("node")
    if node is None:
        pytest.fail(f"node is not on PATH: install Node.js, then {hint}")
    if not (NODE_DIR / "node_modules" / "gltf-validator" / "package.json").is_file():
        pytest.fail(f"the gltf-validator npm package is missing: {hint}")
    proc = subprocess.run(
        [node, str(NODE_DIR / "validate_glb.mjs"), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(f"validate_glb.mjs failed ({proc.returncode}): {proc.stderr or proc.stdout}")
    files: list[dict[str, Any]] = json.loads(proc.stdout)["files"]
    assert [f["path"] for f in files] == [str(p) for p in paths]
    return files


def issues(report: dict[str, Any], severity: str) -> list[str]:
    return [
        f"{m['code']} at {m['pointer']}: {m['message']}"
        for m in report["messages"]
        if m["severity"] == severity
    ]
