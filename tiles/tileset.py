"""Write the 3D Tiles 1.1 tileset.json of a tile tree.

Bounding volumes are regions (radians, ellipsoidal heights) computed from the
features' own extents, so they are tight; a tile's region covers its content
and all its descendants, and its content gets its own, tighter region.
The root carries the east-north-up transform of the layer frame; contents are
expressed in that frame (each GLB adds its own translation, so vertices stay
small numbers and free of float32 jitter).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from tiles.geodesy import EnuFrame
from tiles.partition import TileNode

F64 = npt.NDArray[np.float64]

#: margin added around regions: quantisation moves vertices by at most ~1 cm
MARGIN_M = 0.05
EARTH_RADIUS = 6378137.0


def region_of(idx: npt.NDArray[np.int64], bounds_deg: F64, zmin: F64, zmax: F64) -> list[float]:
    b = bounds_deg[idx]
    pad = MARGIN_M / EARTH_RADIUS
    return [
        math.radians(float(b[:, 0].min())) - pad,
        math.radians(float(b[:, 1].min())) - pad,
        math.radians(float(b[:, 2].max())) + pad,
        math.radians(float(b[:, 3].max())) + pad,
        float(zmin[idx].min()) - MARGIN_M,
        float(zmax[idx].max()) + MARGIN_M,
    ]


def region_diagonal_m(region: list[float]) -> float:
    w, s, e, n, lo, hi = region
    lat = (s + n) / 2
    dx = (e - w) * EARTH_RADIUS * math.cos(lat)
    dy = (n - s) * EARTH_RADIUS
    return math.sqrt(dx * dx + dy * dy + (hi - lo) ** 2)


def tileset_json(
    root: TileNode,
    *,
    frame: EnuFrame,
    bounds_deg: F64,
    zmin: F64,
    zmax: F64,
    content_uri: Callable[[str], str],
    version: str,
    properties: dict[str, Any] | None = None,
) -> dict[str, Any]:
    def tile(node: TileNode) -> tuple[dict[str, Any], npt.NDArray[np.int64]]:
        children = [tile(c) for c in node.children]
        subtree = np.concatenate([node.content, *[c[1] for c in children]])
        out: dict[str, Any] = {
            "boundingVolume": {"region": region_of(subtree, bounds_deg, zmin, zmax)},
            "geometricError": node.geometric_error,
        }
        if len(node.content):
            out["content"] = {
                "uri": content_uri(node.address),
                "boundingVolume": {"region": region_of(node.content, bounds_deg, zmin, zmax)},
            }
        if children:
            out["children"] = [c[0] for c in children]
        return out, subtree

    root_tile, _ = tile(root)
    diag = region_diagonal_m(root_tile["boundingVolume"]["region"])
    return tileset_document(
        root_tile,
        refine="ADD",
        transform=frame.to_ecef_matrix(),
        geometric_error=max(diag, root.geometric_error),
        version=version,
        properties=properties,
    )


def tileset_document(
    root_tile: dict[str, Any],
    *,
    refine: str,
    transform: list[float],
    geometric_error: float,
    version: str,
    properties: dict[str, Any] | None,
) -> dict[str, Any]:
    """A 3D Tiles 1.1 tileset.json around its root tile (refinement and ENU->ECEF transform)."""
    root_tile["refine"] = refine
    root_tile["transform"] = transform
    doc: dict[str, Any] = {
        "asset": {"version": "1.1", "tilesetVersion": version, "generator": "twin"},
        "geometricError": geometric_error,
        "root": root_tile,
    }
    if properties:
        doc["asset"]["extras"] = properties
    return doc
