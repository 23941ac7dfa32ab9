"""An octree with level-of-detail subsampling for point clouds (3D Tiles, ADD refinement).

The cloud's bounding cube is cut into an octree. Level ``k`` (nodes of side
``L / 2**k``) keeps, per node, one point per voxel of side ``L / (grid * 2**k)`` among
the points that no coarser level took: a spatially uniform subset whose spacing
halves at each level. A node holding at most ``max_points`` remaining points keeps
them all and is a leaf. Every point is stored exactly once (ADD refinement), and no
tile holds more than ``max_points`` points (bar exact duplicates at the finest level).

Everything is vectorised over Morton codes: the points are sorted once, each level is
one pass over the points still unassigned, and each tile ends up a contiguous slice
of the final order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tiles.tileset import tileset_document

MARGIN_M = 0.01  # float32 offsets and ENU rounding stay far below this
BITS = 21  # per axis: 63-bit Morton codes
I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]


@dataclass(frozen=True)
class OctreeLimits:
    max_points: int = 150_000
    grid_bits: int = 7  # 128 voxels per node side at every level


@dataclass(frozen=True)
class PointTile:
    address: str  # "r" for the root, then one octant digit per level
    level: int
    start: int  # slice of the octree's ``order``
    stop: int
    spacing: float  # voxel size of this level: the error of stopping here
    lo: tuple[float, float, float]  # bounds of the tile's own points
    hi: tuple[float, float, float]
    children: tuple[PointTile, ...]

    @property
    def count(self) -> int:
        return self.stop - self.start

    @property
    def geometric_error(self) -> float:
        return self.spacing if self.children else 0.0

    def walk(self) -> list[PointTile]:
        out = [self]
        for c in self.children:
            out.extend(c.walk())
        return out

    def subtree_bounds(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        lo, hi = np.array(self.lo), np.array(self.hi)
        for c in self.children:
            clo, chi = c.subtree_bounds()
            lo, hi = np.minimum(lo, clo), np.maximum(hi, chi)
        return lo, hi


@dataclass(frozen=True)
class Octree:
    order: I64  # point indices, tile by tile
    root: PointTile
    side: float  # edge of the root cube (metres)


def _spread(v: U64) -> U64:
    v = v & np.uint64(0x1FFFFF)
    v = (v | (v << np.uint64(32))) & np.uint64(0x1F00000000FFFF)
    v = (v | (v << np.uint64(16))) & np.uint64(0x1F0000FF0000FF)
    v = (v | (v << np.uint64(8))) & np.uint64(0x100F00F00F00F00F)
    v = (v | (v << np.uint64(4))) & np.uint64(0x10C30C30C30C30C3)
    v = (v | (v << np.uint64(2))) & np.uint64(0x1249249249249249)
    return v


def morton_codes(
    positions: npt.NDArray[np.floating], lo: npt.NDArray[np.float64], side: float
) -> U64:
    cells = 1 << BITS
    out = np.zeros(len(positions), dtype=np.uint64)
    for axis in range(3):
        q = np.floor((positions[:, axis] - lo[axis]) * (cells / side))
        q = np.clip(q, 0, cells - 1).astype(np.uint64)
        out |= _spread(q) << np.uint64(axis)
    return out


def build_octree(positions: npt.NDArray[np.floating], limits: OctreeLimits) -> Octree:
    n = len(positions)
    if n == 0:
        raise ValueError("an octree needs at least one point")
    lo = positions.min(axis=0).astype(np.float64)
    hi = positions.max(axis=0).astype(np.float64)
    side = max(float((hi - lo).max()), 1e-3) * (1 + 1e-6)
    codes = morton_codes(positions, lo, side)
    order = np.argsort(codes, kind="stable")
    codes = codes[order]
    level = np.full(n, -1, dtype=np.int8)
    g = limits.grid_bits
    remaining = np.arange(n, dtype=np.int64)  # positions in ``codes``, in Morton order
    k = 0
    while len(remaining):
        node = codes[remaining] >> np.uint64(3 * (BITS - k))
        starts = np.flatnonzero(np.r_[True, node[1:] != node[:-1]])
        counts = np.diff(np.r_[starts, len(node)])
        if k >= BITS - g:
            level[remaining] = k  # finest resolution: keep the rest
            break
        small = np.repeat(counts <= limits.max_points, counts)
        level[remaining[small]] = k
        big = remaining[~small]
        if len(big):
            voxel = codes[big] >> np.uint64(3 * (BITS - k - g))
            first = np.r_[True, voxel[1:] != voxel[:-1]]
            chosen = big[first]
            chosen = _cap_per_node(chosen, codes, k, limits.max_points)
            level[chosen] = k
        remaining = remaining[level[remaining] < 0]
        k += 1
    # final order: by level, then Morton code (tiles are contiguous slices)
    final = np.lexsort((np.arange(n), level))
    tile_key = codes[final] >> (np.uint64(3) * (np.uint64(BITS) - level[final].astype(np.uint64)))
    lv = level[final].astype(np.int64)
    starts = np.flatnonzero(np.r_[True, (tile_key[1:] != tile_key[:-1]) | (lv[1:] != lv[:-1])])
    stops = np.r_[starts[1:], n]
    order = order[final]
    del final
    tiles: dict[tuple[int, int], tuple[int, int, int]] = {}
    for s, e in zip(starts.tolist(), stops.tolist(), strict=True):
        tiles[(int(lv[s]), int(tile_key[s]))] = (s, e, int(lv[s]))
    root = _assemble((0, 0), tiles, positions, order, side, g)
    return Octree(order=order, root=root, side=side)


def _cap_per_node(chosen: I64, codes: U64, k: int, cap: int) -> I64:
    """At most ``cap`` of a node's chosen points: an even stride over the rest."""
    node = codes[chosen] >> np.uint64(3 * (BITS - k))
    starts = np.flatnonzero(np.r_[True, node[1:] != node[:-1]])
    counts = np.diff(np.r_[starts, len(node)])
    if counts.max() <= cap:
        return chosen
    keep = np.ones(len(chosen), dtype=bool)
    for s, c in zip(starts[counts > cap].tolist(), counts[counts > cap].tolist(), strict=True):
        mask = np.zeros(c, dtype=bool)
        mask[np.linspace(0, c - 1, cap).astype(np.int64)] = True
        keep[s : s + c] = mask
    return chosen[keep]


def _assemble(
    key: tuple[int, int],
    tiles: dict[tuple[int, int], tuple[int, int, int]],
    positions: npt.NDArray[np.floating],
    order: I64,
    side: float,
    grid_bits: int,
    address: str = "r",
) -> PointTile:
    k, code = key
    s, e, _ = tiles[key]
    children = tuple(
        _assemble(
            (k + 1, (code << 3) | o), tiles, positions, order, side, grid_bits, address + str(o)
        )
        for o in range(8)
        if (k + 1, (code << 3) | o) in tiles
    )
    own = positions[order[s:e]]
    return PointTile(
        address=address,
        level=k,
        start=s,
        stop=e,
        spacing=side / (1 << (k + grid_bits)),
        lo=tuple(float(v) for v in own.min(axis=0)),  # type: ignore[arg-type]
        hi=tuple(float(v) for v in own.max(axis=0)),  # type: ignore[arg-type]
        children=children,
    )


def box_volume(lo: npt.NDArray[np.float64], hi: npt.NDArray[np.float64], pad: float) -> list[float]:
    """A 3D Tiles ``box`` (centre + half axes) around lo..hi, padded."""
    c = (lo + hi) / 2
    h = np.maximum((hi - lo) / 2 + pad, pad)
    return [
        *(float(v) for v in c),
        float(h[0]), 0.0, 0.0,
        0.0, float(h[1]), 0.0,
        0.0, 0.0, float(h[2]),
    ]  # fmt: skip


def pointcloud_tileset(
    tree: Octree,
    *,
    transform: list[float],
    content_uri: Callable[[str], str],
    version: str,
    properties: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """tileset.json: boxes in the layer's ENU frame, ADD refinement, spacing as error."""

    def tile(node: PointTile) -> dict[str, Any]:
        lo, hi = node.subtree_bounds()
        out: dict[str, Any] = {
            "boundingVolume": {"box": box_volume(lo, hi, MARGIN_M)},
            "geometricError": node.geometric_error,
            "content": {"uri": content_uri(node.address)},
        }
        if node.children:
            out["children"] = [tile(c) for c in node.children]
        return out

    return tileset_document(
        tile(tree.root),
        refine="ADD",
        transform=transform,
        geometric_error=max(tree.side / 8, tree.root.geometric_error * 2),
        version=version,
        properties=properties,
    )
