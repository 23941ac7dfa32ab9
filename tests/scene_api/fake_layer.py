"""Publish a small but real layer straight through the storage protocols.

What the ingest pipeline would write: a 3D Tiles 1.1 tileset.json (plain JSON,
or gzip when asked), gzip-encoded GLB contents under the version prefix, and
one catalog row per building.
"""

from __future__ import annotations

import gzip
import json
import math
import struct
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import box

from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from twin.domain import AttributeType, FeatureRows

USES = ("住宅", "商业", "office")
SCHEMA: dict[str, AttributeType] = {
    "height": "number",
    "floors": "integer",
    "use": "string",
    "name": "string",
}


def make_glb(payload: bytes, label: str) -> bytes:
    """A structurally valid GLB: a JSON chunk and a BIN chunk holding ``payload``."""
    doc = {
        "asset": {"version": "2.0"},
        "buffers": [{"byteLength": len(payload)}],
        "extras": {"label": label},
    }
    json_bytes = json.dumps(doc).encode()
    json_bytes += b" " * (-len(json_bytes) % 4)
    bin_bytes = payload + b"\x00" * (-len(payload) % 4)
    total = 12 + 8 + len(json_bytes) + 8 + len(bin_bytes)
    return (
        struct.pack("<4sII", b"glTF", 2, total)
        + struct.pack("<I4s", len(json_bytes), b"JSON")
        + json_bytes
        + struct.pack("<I4s", len(bin_bytes), b"BIN\x00")
        + bin_bytes
    )


@dataclass(frozen=True)
class FakeBuilding:
    id: str
    footprint: shapely.Polygon
    zmin: float
    zmax: float
    attributes: dict[str, Any]
    tile: str


@dataclass(frozen=True)
class PublishedLayer:
    layer_id: str
    version: int
    prefix: str
    bbox: tuple[float, float, float, float]
    zmin: float
    zmax: float
    tileset: dict[str, Any]
    contents: dict[str, bytes] = field(default_factory=dict)  # relative path -> GLB bytes
    buildings: list[FakeBuilding] = field(default_factory=list)

    def key(self, relative: str) -> str:
        return self.prefix + relative


def buildings_for(layer_id: str, count: int, origin: tuple[float, float]) -> list[FakeBuilding]:
    out = []
    for i in range(count):
        west = origin[0] + (i % 4) * 0.001
        south = origin[1] + (i // 4) * 0.001
        attributes: dict[str, Any] = {
            "height": 3.0 * i + 3.0,
            "floors": i % 5 + 1,
            "use": USES[i % 3],
            "name": None if i % 4 == 3 else f"Building {i}",
        }
        out.append(
            FakeBuilding(
                id=f"{layer_id}:B{i}",
                footprint=box(west, south, west + 0.0008, south + 0.0008),
                zmin=-1.0,
                zmax=attributes["height"] - 1.0,
                attributes=attributes,
                tile="t/1_0_0.glb" if i % 2 == 0 else "t/1_1_0.glb",
            )
        )
    return out


def _tileset(bbox: tuple[float, float, float, float], zmin: float, zmax: float) -> dict[str, Any]:
    region = [*(math.radians(v) for v in bbox), zmin, zmax]
    return {
        "asset": {"version": "1.1"},
        "geometricError": 500.0,
        "root": {
            "boundingVolume": {"region": region},
            "geometricError": 100.0,
            "refine": "REPLACE",
            "content": {"uri": "t/0_0_0.glb"},
            "children": [
                {
                    "boundingVolume": {"region": region},
                    "geometricError": 0.0,
                    "content": {"uri": "t/1_0_0.glb"},
                },
                {
                    "boundingVolume": {"region": region},
                    "geometricError": 0.0,
                    "content": {"uri": "t/1_1_0.glb"},
                },
            ],
        },
    }


def publish_layer(
    catalog: Catalog,
    store: ObjectStore,
    layer_id: str = "delft",
    *,
    count: int = 12,
    origin: tuple[float, float] = (4.35, 52.0),
    big_content_bytes: int = 0,
    gzip_tileset: bool = False,
) -> PublishedLayer:
    """Publish a new version of ``layer_id`` with ``count`` buildings and three contents.

    ``big_content_bytes`` makes ``t/1_0_0.glb`` that large (to stream in several chunks).
    """
    catalog.ensure_layer(
        layer_id, kind="buildings", title=f"{layer_id} buildings", crs="EPSG:28992"
    )
    version = catalog.begin_version(layer_id)
    prefix = f"layers/{layer_id}/v{version:06d}/"
    buildings = buildings_for(layer_id, count, origin)
    bounds = shapely.bounds(np.array([b.footprint for b in buildings], dtype=object))
    bbox = (
        float(bounds[:, 0].min()),
        float(bounds[:, 1].min()),
        float(bounds[:, 2].max()),
        float(bounds[:, 3].max()),
    )
    zmin = min(b.zmin for b in buildings)
    zmax = max(b.zmax for b in buildings)

    rng = np.random.default_rng(version)
    big = rng.integers(0, 8, size=big_content_bytes, dtype=np.uint8).tobytes()
    contents = {
        "t/0_0_0.glb": make_glb(f"root of {layer_id} v{version}".encode(), "root"),
        "t/1_0_0.glb": make_glb(big or f"even buildings v{version}".encode(), "even"),
        "t/1_1_0.glb": make_glb(f"odd buildings v{version}".encode() * 50, "odd"),
    }
    for relative, data in contents.items():
        store.put_bytes(
            prefix + relative,
            gzip.compress(data, mtime=0),
            content_type="model/gltf-binary",
            content_encoding="gzip",
        )
    tileset = _tileset(bbox, zmin, zmax)
    tileset_bytes = json.dumps(tileset).encode()
    if gzip_tileset:
        store.put_bytes(
            prefix + "tileset.json",
            gzip.compress(tileset_bytes),
            content_type="application/json",
            content_encoding="gzip",
        )
    else:
        store.put_bytes(prefix + "tileset.json", tileset_bytes, content_type="application/json")

    rows = FeatureRows(
        ids=[b.id for b in buildings],
        classes=["building"] * count,
        parent_ids=[None] * count,
        attributes_json=[json.dumps(b.attributes, ensure_ascii=False) for b in buildings],
        footprints_wkb=[shapely.to_wkb(b.footprint) for b in buildings],
        bboxes=np.asarray(bounds, dtype=np.float64),
        zmin=np.array([b.zmin for b in buildings], dtype=np.float64),
        zmax=np.array([b.zmax for b in buildings], dtype=np.float64),
        content_keys=[prefix + b.tile for b in buildings],
    )
    catalog.add_features(layer_id, version, rows)
    catalog.publish_version(
        layer_id,
        version,
        tileset_key=prefix + "tileset.json",
        bbox=bbox,
        zmin=zmin,
        zmax=zmax,
        attribute_schema=SCHEMA,
    )
    return PublishedLayer(layer_id, version, prefix, bbox, zmin, zmax, tileset, contents, buildings)
