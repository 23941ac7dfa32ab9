"""Extrude footprints into LOD1 block meshes, vectorised over a whole tile.

Input rings are closed (first point repeated last), exteriors counter-clockwise
and holes clockwise seen from above, in a local east-north-up frame at height 0.
Each feature carries its own "up" vector (the ellipsoid normal at the feature,
expressed in the frame), so a block 10 km from the frame origin still stands
plumb and its base sits on the ellipsoid, not on a tangent plane.
"""

from __future__ import annotations

from dataclasses import dataclass

import mapbox_earcut
import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

MIN_EDGE = 1e-4  # metres; shorter wall edges are repeated points


@dataclass(frozen=True)
class Footprints:
    """Footprints of one tile, column-wise.

    ``coords`` (V, 3): ring vertices at height 0 in the frame; ``ring_offsets`` (R+1);
    ``polygon_ring_offsets`` (P+1): rings of polygon p are ``[pro[p], pro[p+1])``, exterior first;
    ``polygon_feature`` (P): feature index of each polygon; ``up`` (n, 3), ``base``/``top`` (n).
    """

    coords: F64
    ring_offsets: I64
    polygon_ring_offsets: I64
    polygon_feature: I64
    up: F64
    base: F64
    top: F64

    @property
    def feature_count(self) -> int:
        return len(self.base)


@dataclass(frozen=True)
class BlockMesh:
    positions: F64  # (n, 3) in the frame
    normals: npt.NDArray[np.float32]
    feature_ids: npt.NDArray[np.uint32]
    indices: npt.NDArray[np.uint32]


def extrude(fp: Footprints) -> BlockMesh:
    ring_count = len(fp.ring_offsets) - 1
    ring_len = np.diff(fp.ring_offsets)
    ring_polygon = np.repeat(np.arange(len(fp.polygon_feature)), np.diff(fp.polygon_ring_offsets))
    ring_feature = fp.polygon_feature[ring_polygon]
    vertex_ring = np.repeat(np.arange(ring_count), ring_len)

    # unique ring vertices: every vertex but the closing one of each ring
    is_unique = np.ones(len(fp.coords), dtype=bool)
    is_unique[fp.ring_offsets[1:] - 1] = False
    starts = np.flatnonzero(is_unique)

    walls = _walls(fp, starts, ring_feature[vertex_ring[starts]])
    roofs = _roofs(fp, starts, vertex_ring, ring_polygon)
    parts = [walls, *roofs]
    offset = 0
    indices = []
    for part in parts:
        indices.append(part.indices + offset)
        offset += len(part.positions)
    return BlockMesh(
        positions=np.concatenate([p.positions for p in parts]),
        normals=np.concatenate([p.normals for p in parts]).astype(np.float32),
        feature_ids=np.concatenate([p.feature_ids for p in parts]).astype(np.uint32),
        indices=np.concatenate(indices).astype(np.uint32),
    )


def _walls(fp: Footprints, starts: I64, feature: I64) -> BlockMesh:
    p0 = fp.coords[starts]
    p1 = fp.coords[starts + 1]
    d = p1 - p0
    length = np.linalg.norm(d, axis=1)
    ok = length > MIN_EDGE
    p0, p1, d, feature = p0[ok], p1[ok], d[ok], feature[ok]
    u = fp.up[feature]
    b = fp.base[feature][:, None]
    t = fp.top[feature][:, None]
    quad = np.stack([p0 + b * u, p1 + b * u, p1 + t * u, p0 + t * u], axis=1)
    normal = np.cross(d, u)
    normal /= np.linalg.norm(normal, axis=1, keepdims=True)
    e = len(p0)
    base_index = (np.arange(e, dtype=np.int64) * 4)[:, None]
    tri = np.array([0, 1, 2, 0, 2, 3], dtype=np.int64)[None, :]
    return BlockMesh(
        positions=quad.reshape(-1, 3),
        normals=np.repeat(normal, 4, axis=0).astype(np.float32),
        feature_ids=np.repeat(feature, 4).astype(np.uint32),
        indices=(base_index + tri).reshape(-1).astype(np.uint32),
    )


def _roofs(fp: Footprints, starts: I64, vertex_ring: I64, ring_polygon: I64) -> list[BlockMesh]:
    """Roof caps (and floor caps of features raised above the ground)."""
    xy = fp.coords[starts, :2]
    unique_ring = vertex_ring[starts]
    ring_unique_len = np.bincount(unique_ring, minlength=len(fp.ring_offsets) - 1)
    ring_unique_start = np.concatenate([[0], np.cumsum(ring_unique_len)[:-1]])
    triangles = _triangulate(xy, ring_unique_start, ring_unique_len, fp.polygon_ring_offsets)
    vertex_feature = fp.polygon_feature[ring_polygon[unique_ring]]
    u = fp.up[vertex_feature]
    ground = fp.coords[starts]
    tri_feature = vertex_feature[triangles[:, 0]]
    roof = BlockMesh(
        positions=ground + fp.top[vertex_feature][:, None] * u,
        normals=u.astype(np.float32),
        feature_ids=vertex_feature.astype(np.uint32),
        indices=triangles.reshape(-1).astype(np.uint32),
    )
    raised = fp.base > 1e-3
    if not raised.any():
        return [roof]
    keep_v = raised[vertex_feature]
    remap = np.cumsum(keep_v) - 1
    tri_keep = raised[tri_feature]
    floor_tris = remap[triangles[tri_keep][:, ::-1]]
    floor = BlockMesh(
        positions=(ground + fp.base[vertex_feature][:, None] * u)[keep_v],
        normals=(-u[keep_v]).astype(np.float32),
        feature_ids=vertex_feature[keep_v].astype(np.uint32),
        indices=floor_tris.reshape(-1).astype(np.uint32),
    )
    return [roof, floor]


def _triangulate(
    xy: F64, ring_start: I64, ring_len: I64, polygon_ring_offsets: I64
) -> npt.NDArray[np.int64]:
    """Triangles (T, 3) indexing ``xy``, counter-clockwise. Convex simple rings use a fan."""
    polygon_rings = np.diff(polygon_ring_offsets)
    first_ring = polygon_ring_offsets[:-1]
    convex_ring = _convex_rings(xy, ring_start, ring_len)
    fan = (polygon_rings == 1) & convex_ring[first_ring] & (ring_len[first_ring] >= 3)
    parts: list[npt.NDArray[np.int64]] = []

    fan_rings = first_ring[fan]
    if len(fan_rings):
        k = ring_len[fan_rings] - 2
        s = np.repeat(ring_start[fan_rings], k)
        within = np.arange(int(k.sum())) - np.repeat(np.cumsum(k) - k, k) + 1
        parts.append(np.stack([s, s + within, s + within + 1], axis=1))

    # the rest (non-convex or with holes) goes through earcut one polygon at a time;
    # keep the loop lean: plain ints, cached ring-end arrays, offsets added afterwards
    others = np.flatnonzero(~fan)
    r0s = polygon_ring_offsets[others].tolist()
    r1s = polygon_ring_offsets[others + 1].tolist()
    starts = ring_start.tolist()
    lengths = ring_len.tolist()
    single_end: dict[int, npt.NDArray[np.uint32]] = {}
    chunks: list[npt.NDArray[np.uint32]] = []
    bases: list[int] = []
    for r0, r1 in zip(r0s, r1s, strict=True):
        v0 = starts[r0]
        if lengths[r0] < 3:
            continue
        if r1 - r0 == 1:
            n = lengths[r0]
            ends = single_end.get(n)
            if ends is None:
                ends = single_end[n] = np.array([n], dtype=np.uint32)
            tris = mapbox_earcut.triangulate_float64(xy[v0 : v0 + n], ends)
        else:
            ends = (ring_start[r0:r1] + ring_len[r0:r1] - v0).astype(np.uint32)
            tris = mapbox_earcut.triangulate_float64(xy[v0 : int(ends[-1]) + v0], ends)
        chunks.append(tris)
        bases.append(v0)
    if chunks:
        counts = np.fromiter((len(c) for c in chunks), dtype=np.int64, count=len(chunks))
        flat = np.concatenate(chunks).astype(np.int64) + np.repeat(np.asarray(bases), counts)
        parts.append(flat.reshape(-1, 3))
    if not parts:
        return np.zeros((0, 3), dtype=np.int64)
    triangles = np.concatenate(parts)
    a, b, c = xy[triangles[:, 0]], xy[triangles[:, 1]], xy[triangles[:, 2]]
    signed = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
    flip = signed < 0
    triangles[flip] = triangles[flip][:, ::-1]
    return triangles


def _convex_rings(xy: F64, ring_start: I64, ring_len: I64) -> npt.NDArray[np.bool_]:
    """True for rings whose turns are all left turns (convex and counter-clockwise)."""
    n = len(xy)
    idx = np.arange(n)
    ring_of = np.repeat(np.arange(len(ring_len)), ring_len)
    nxt = idx + 1
    last = ring_start + ring_len - 1
    nxt[last[ring_len > 0]] = ring_start[ring_len > 0]
    nxt2 = nxt[nxt]
    e1 = xy[nxt] - xy
    e2 = xy[nxt2] - xy[nxt]
    cross = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]
    scale = np.linalg.norm(e1, axis=1) * np.linalg.norm(e2, axis=1)
    bad = cross < -1e-9 * np.maximum(scale, 1e-12)
    bad_count = np.bincount(ring_of[bad], minlength=len(ring_len))
    return np.asarray(bad_count == 0)
