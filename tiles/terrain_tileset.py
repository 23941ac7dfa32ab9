"""tileset.json of a terrain quadtree: REPLACE refinement, measured geometric errors.

Unlike building layers (ADD: a parent's features stay while children add more), a
terrain tile is replaced by its four finer children. Bounding volumes are regions
(radians, ellipsoidal heights, including the skirts); a tile's region covers its
own content and all its descendants, its content has its own. The root carries the
ENU->ECEF transform of the layer frame (regions are never transformed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from tiles.geodesy import EnuFrame
from tiles.tileset import MARGIN_M, region_diagonal_m, tileset_document

EARTH_RADIUS = 6378137.0


@dataclass(frozen=True)
class Region:
    west: float  # degrees
    south: float
    east: float
    north: float
    zmin: float  # metres, ellipsoidal
    zmax: float

    def union(self, other: Region) -> Region:
        return Region(
            min(self.west, other.west),
            min(self.south, other.south),
            max(self.east, other.east),
            max(self.north, other.north),
            min(self.zmin, other.zmin),
            max(self.zmax, other.zmax),
        )

    def to_json(self) -> list[float]:
        pad = MARGIN_M / EARTH_RADIUS
        return [
            math.radians(self.west) - pad,
            math.radians(self.south) - pad,
            math.radians(self.east) + pad,
            math.radians(self.north) + pad,
            self.zmin - MARGIN_M,
            self.zmax + MARGIN_M,
        ]


@dataclass(frozen=True)
class TerrainTile:
    address: str
    geometric_error: float
    content: Region | None  # None: the tile has no triangles (all nodata at its stride)
    children: tuple[TerrainTile, ...]

    def region(self) -> Region:
        regions = [c.region() for c in self.children]
        if self.content is not None:
            regions.append(self.content)
        out = regions[0]
        for r in regions[1:]:
            out = out.union(r)
        return out

    def walk(self) -> list[TerrainTile]:
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


def content_uri(address: str) -> str:
    return f"t/{address}.glb"


def terrain_tileset_json(
    root: TerrainTile,
    *,
    frame: EnuFrame,
    version: str,
    properties: dict[str, Any] | None = None,
) -> dict[str, Any]:
    def tile(node: TerrainTile) -> dict[str, Any]:
        out: dict[str, Any] = {
            "boundingVolume": {"region": node.region().to_json()},
            "geometricError": node.geometric_error,
        }
        if node.content is not None:
            out["content"] = {
                "uri": content_uri(node.address),
                "boundingVolume": {"region": node.content.to_json()},
            }
        if node.children:
            out["children"] = [tile(c) for c in node.children]
        return out

    root_tile = tile(root)
    diag = region_diagonal_m(root_tile["boundingVolume"]["region"])
    return tileset_document(
        root_tile,
        refine="REPLACE",
        transform=frame.to_ecef_matrix(),
        geometric_error=max(diag, root.geometric_error),
        version=version,
        properties=properties,
    )
