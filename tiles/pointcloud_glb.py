"""A small glTF 2.0 (GLB) writer for point tiles: one POINTS primitive (mode 0).

* ``POSITION``: float32 offsets from the tile origin, which sits in float64 in the
  node's ``translation`` (no float32 jitter at city scale). y-up like every glTF:
  the z-up (east, north, up) frame maps to (east, up, -north).
* ``COLOR_0`` (when the cloud has colours): UNSIGNED_SHORT VEC4 normalised, *linear*
  as glTF wants (LAS colours are sRGB); 16 bits keep 8-bit sRGB exactly recoverable.
* ``_INTENSITY`` (UNSIGNED_SHORT) and ``_CLASSIFICATION`` (UNSIGNED_BYTE), each in its
  own bufferView with a 4-byte stride (vertex attributes must be 4-byte aligned), exposed
  as the properties ``intensity`` and ``classification`` of the class ``point`` through
  EXT_structural_metadata property attributes, so viewers can style by them.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

_FLOAT, _UBYTE, _USHORT = 5126, 5121, 5123
_ARRAY_BUFFER = 34962
_META = "EXT_structural_metadata"

#: the metadata schema every point tile shares
POINT_SCHEMA: dict[str, Any] = {
    "id": "twin_pointcloud",
    "classes": {
        "point": {
            "name": "Point",
            "properties": {
                "intensity": {
                    "name": "intensity",
                    "description": "LAS pulse return intensity",
                    "type": "SCALAR",
                    "componentType": "UINT16",
                },
                "classification": {
                    "name": "classification",
                    "description": "ASPRS LAS classification code",
                    "type": "SCALAR",
                    "componentType": "UINT8",
                },
            },
        }
    },
}


@dataclass(frozen=True)
class PointTileArrays:
    positions: npt.NDArray[np.float32]  # (n, 3) z-up offsets from ``origin``
    origin: tuple[float, float, float]  # z-up tile origin in the layer frame (metres)
    intensity: npt.NDArray[np.uint16]
    classification: npt.NDArray[np.uint8]
    colors: npt.NDArray[np.uint8] | None = None  # (n, 3) sRGB 0-255


def srgb_to_linear_u16(srgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint16]:
    c = srgb.astype(np.float64) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return np.rint(lin * 65535.0).astype(np.uint16)


def encode_points_glb(tile: PointTileArrays) -> bytes:
    n = len(tile.intensity)
    if n == 0:
        raise ValueError("a point tile needs at least one point")
    yup = np.empty((n, 3), dtype=np.float32)
    yup[:, 0] = tile.positions[:, 0]
    yup[:, 1] = tile.positions[:, 2]
    yup[:, 2] = -tile.positions[:, 1]
    views: list[dict[str, Any]] = []
    accessors: list[dict[str, Any]] = []
    chunks: list[bytes] = []
    offset = 0

    def add(data: bytes, stride: int | None, accessor: dict[str, Any]) -> int:
        nonlocal offset
        view: dict[str, Any] = {
            "buffer": 0,
            "byteOffset": offset,
            "byteLength": len(data),
            "target": _ARRAY_BUFFER,
        }
        if stride is not None:
            view["byteStride"] = stride
        views.append(view)
        padded = data + b"\x00" * (-len(data) % 4)
        chunks.append(padded)
        offset += len(padded)
        accessors.append({"bufferView": len(views) - 1, "count": n, **accessor})
        return len(accessors) - 1

    attributes = {
        "POSITION": add(
            yup.tobytes(),
            None,
            {
                "componentType": _FLOAT,
                "type": "VEC3",
                "min": [float(v) for v in yup.min(axis=0)],
                "max": [float(v) for v in yup.max(axis=0)],
            },
        )
    }
    if tile.colors is not None:
        rgba = np.full((n, 4), 65535, dtype=np.uint16)
        rgba[:, :3] = srgb_to_linear_u16(tile.colors)
        attributes["COLOR_0"] = add(
            rgba.astype("<u2").tobytes(),
            None,
            {"componentType": _USHORT, "type": "VEC4", "normalized": True},
        )
    wide = np.zeros((n, 2), dtype="<u2")
    wide[:, 0] = tile.intensity
    attributes["_INTENSITY"] = add(wide.tobytes(), 4, {"componentType": _USHORT, "type": "SCALAR"})
    narrow = np.zeros((n, 4), dtype=np.uint8)
    narrow[:, 0] = tile.classification
    attributes["_CLASSIFICATION"] = add(
        narrow.tobytes(), 4, {"componentType": _UBYTE, "type": "SCALAR"}
    )
    east, north, up = (float(v) for v in tile.origin)
    doc: dict[str, Any] = {
        "asset": {"version": "2.0", "generator": "twin"},
        "extensionsUsed": [_META],
        "extensions": {
            _META: {
                "schema": POINT_SCHEMA,
                "propertyAttributes": [
                    {
                        "class": "point",
                        "properties": {
                            "intensity": {"attribute": "_INTENSITY"},
                            "classification": {"attribute": "_CLASSIFICATION"},
                        },
                    }
                ],
            }
        },
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0, "translation": [east, up, -north]}],
        "meshes": [
            {
                "primitives": [
                    {
                        "attributes": attributes,
                        "mode": 0,
                        "material": 0,
                        "extensions": {_META: {"propertyAttributes": [0]}},
                    }
                ]
            }
        ],
        "materials": [
            {
                "pbrMetallicRoughness": {"baseColorFactor": [1, 1, 1, 1], "metallicFactor": 0.0},
                "extensions": {"KHR_materials_unlit": {}},
            }
        ],
        "accessors": accessors,
        "bufferViews": views,
        "buffers": [{"byteLength": offset}],
    }
    doc["extensionsUsed"].append("KHR_materials_unlit")
    js = json.dumps(doc, separators=(",", ":")).encode("utf-8")
    js += b" " * (-len(js) % 4)
    binary = b"".join(chunks)
    return b"".join(
        [
            struct.pack("<4sII", b"glTF", 2, 28 + len(js) + len(binary)),
            struct.pack("<II", len(js), 0x4E4F534A),
            js,
            struct.pack("<II", len(binary), 0x004E4942),
            binary,
        ]
    )
