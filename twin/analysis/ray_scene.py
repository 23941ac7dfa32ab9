"""The ray engine every analysis uses: triangles in a local metric frame, traced by Embree.

A :class:`RayScene` holds the triangles of several layers in one east-north-up frame
(metres, float32 for Embree, small numbers near the frame origin), each triangle mapped to
a :class:`FeatureRef` (layer, feature id, layer kind). Rays are traced in chunks on a few
threads (Embree releases the GIL while it traces). Constructing a scene from arrays does
the BVH build; :func:`scene_from_layers` assembles one from cached :class:`LayerMesh`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from embreex import rtcore_scene
from embreex.mesh_construction import TriangleMesh

from tiles.geodesy import EnuFrame
from twin.analysis.layer_mesh import LayerMesh

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: rays per Embree call: big enough to amortise the call, small enough to spread over threads
CHUNK = 65536
#: a ray starting on a surface is moved this far along itself so it does not hit that surface
EPSILON_M = 1e-3


@dataclass(frozen=True)
class FeatureRef:
    layer: str
    feature_id: str
    kind: str


@dataclass(frozen=True)
class Hits:
    """First hits: distance (inf for a miss), triangle index (-1), feature index (-1)."""

    distance: F64
    triangle: I64
    feature: I64

    @property
    def hit(self) -> BoolArray:
        out: BoolArray = self.triangle >= 0
        return out


class RayScene:
    """Triangles ``vertices[triangles]`` in ``frame`` metres; ``triangle_feature`` indexes
    ``features``. The Embree BVH is built here, once."""

    def __init__(
        self,
        frame: EnuFrame,
        vertices: F64,
        triangles: I64,
        triangle_feature: I64,
        features: Sequence[FeatureRef],
        *,
        threads: int | None = None,
    ) -> None:
        self.frame = frame
        self.vertices = np.ascontiguousarray(vertices, dtype=np.float64)
        self.triangles = np.ascontiguousarray(triangles, dtype=np.int64).reshape(-1, 3)
        self.triangle_feature = np.asarray(triangle_feature, dtype=np.int64)
        self.features = tuple(features)
        self.threads = max(1, threads or min(4, os.cpu_count() or 1))
        self._scene: rtcore_scene.EmbreeScene | None = None
        if len(self.triangles):
            self._scene = rtcore_scene.EmbreeScene()
            TriangleMesh(
                self._scene,
                self.vertices.astype(np.float32),
                self.triangles.astype(np.int32),
            )

    @property
    def triangle_count(self) -> int:
        return len(self.triangles)

    def feature_mask(self, keep: Callable[[FeatureRef], bool]) -> BoolArray:
        """Per triangle: whether its feature passes ``keep`` (triangles with none never do)."""
        flags = np.asarray([keep(f) for f in self.features] + [False], dtype=bool)
        out: BoolArray = flags[np.where(self.triangle_feature >= 0, self.triangle_feature, -1)]
        return out

    def subset(self, keep: Callable[[FeatureRef], bool]) -> RayScene:
        """A new scene of the triangles whose features pass ``keep`` (same frame, same refs)."""
        mask = self.feature_mask(keep)
        return RayScene(
            self.frame,
            self.vertices,
            self.triangles[mask],
            self.triangle_feature[mask],
            self.features,
            threads=self.threads,
        )

    def first_hits(
        self, origins: F64, directions: F64, max_distance: F64 | float = math.inf
    ) -> Hits:
        """The nearest hit of each ray within ``max_distance`` (directions need not be unit)."""
        o, d, length = _rays(origins, directions, max_distance)
        n = len(o)
        distance = np.full(n, np.inf)
        triangle = np.full(n, -1, np.int64)
        if self._scene is not None and n:
            unit = d / np.maximum(np.linalg.norm(d, axis=1), 1e-300)[:, None]
            start = o + unit * EPSILON_M
            limit = np.where(np.isfinite(length), np.maximum(length - EPSILON_M, 0.0), 1e30)
            for sl, res in self._trace(start, unit, limit, occluded=False):
                prim = np.asarray(res["primID"], dtype=np.int64)
                geom = np.asarray(res["geomID"], dtype=np.int64)
                ok = (geom >= 0) & (prim >= 0)
                tfar = np.asarray(res["tfar"], dtype=np.float64) + EPSILON_M
                distance[sl] = np.where(ok, tfar, np.inf)
                triangle[sl] = np.where(ok, prim, -1)
        feature = np.full(n, -1, np.int64)
        if len(self.triangle_feature):
            feature = np.where(triangle >= 0, self.triangle_feature[np.maximum(triangle, 0)], -1)
        return Hits(distance=distance, triangle=triangle, feature=feature)

    def occluded(
        self, origins: F64, directions: F64, max_distance: F64 | float = math.inf
    ) -> BoolArray:
        """Whether anything lies on each ray within ``max_distance`` (cheaper than a hit)."""
        o, d, length = _rays(origins, directions, max_distance)
        out = np.zeros(len(o), dtype=bool)
        if self._scene is None or not len(o):
            return out
        unit = d / np.maximum(np.linalg.norm(d, axis=1), 1e-300)[:, None]
        start = o + unit * EPSILON_M
        limit = np.where(np.isfinite(length), np.maximum(length - 2 * EPSILON_M, 0.0), 1e30)
        for sl, res in self._trace(start, unit, limit, occluded=True):
            out[sl] = np.asarray(res) != -1
        return out

    def hits_along(
        self, origin: F64, direction: F64, length: float, *, max_hits: int = 256
    ) -> Hits:
        """Every surface crossed by one segment, nearest first (one entry per crossing)."""
        o = np.asarray(origin, dtype=np.float64).reshape(3)
        d = np.asarray(direction, dtype=np.float64).reshape(3)
        d = d / max(float(np.linalg.norm(d)), 1e-300)
        dist: list[float] = []
        tri: list[int] = []
        travelled = 0.0
        while len(dist) < max_hits and travelled < length:
            h = self.first_hits((o + d * travelled)[None], d[None], length - travelled)
            if not h.hit[0]:
                break
            travelled += float(h.distance[0])
            dist.append(travelled)
            tri.append(int(h.triangle[0]))
        t = np.asarray(tri, dtype=np.int64)
        f = self.triangle_feature[t] if len(t) else np.zeros(0, np.int64)
        return Hits(distance=np.asarray(dist, dtype=np.float64), triangle=t, feature=f)

    def _trace(
        self, start: F64, unit: F64, limit: F64, *, occluded: bool
    ) -> list[tuple[slice, Any]]:
        scene = self._scene
        assert scene is not None
        s32 = start.astype(np.float32)
        u32 = unit.astype(np.float32)
        l32 = limit.astype(np.float32)
        slices = [slice(i, min(i + CHUNK, len(s32))) for i in range(0, len(s32), CHUNK)]

        def run(sl: slice) -> tuple[slice, Any]:
            if occluded:
                return sl, scene.run(s32[sl], u32[sl], dists=l32[sl], query="OCCLUDED")
            return sl, scene.run(s32[sl], u32[sl], dists=l32[sl], output=1)

        if len(slices) == 1 or self.threads == 1:
            return [run(sl) for sl in slices]
        with ThreadPoolExecutor(self.threads) as pool:
            return list(pool.map(run, slices))


def _rays(origins: F64, directions: F64, max_distance: F64 | float) -> tuple[F64, F64, F64]:
    o = np.asarray(origins, dtype=np.float64).reshape(-1, 3)
    d = np.asarray(directions, dtype=np.float64).reshape(-1, 3)
    if len(d) != len(o):
        d = np.broadcast_to(d, o.shape).copy()
    length = np.broadcast_to(np.asarray(max_distance, dtype=np.float64), (len(o),)).copy()
    return o, d, length


def scene_from_layers(
    frame: EnuFrame,
    meshes: Sequence[LayerMesh],
    *,
    removed: frozenset[str] = frozenset(),
    threads: int | None = None,
) -> RayScene:
    """One scene of ``meshes`` in ``frame``, without the features whose ids are ``removed``."""
    vertices, triangles, features = [], [], []
    refs: list[FeatureRef] = []
    base = 0
    for mesh in meshes:
        local = frame.from_ecef(mesh.vertices) if len(mesh.vertices) else np.zeros((0, 3))
        offset = len(refs)
        refs.extend(FeatureRef(mesh.layer, fid, mesh.kind) for fid in mesh.feature_ids)
        keep = np.ones(len(mesh.triangles), dtype=bool)
        if removed and mesh.feature_ids:
            gone = np.asarray([fid in removed for fid in mesh.feature_ids], dtype=bool)
            tf = mesh.triangle_feature
            keep = ~((tf >= 0) & gone[np.maximum(tf, 0)])
        vertices.append(local)
        triangles.append(mesh.triangles[keep] + base)
        tf = mesh.triangle_feature[keep]
        features.append(np.where(tf >= 0, tf + offset, -1))
        base += len(local)
    if not meshes:
        return RayScene(
            frame,
            np.zeros((0, 3)),
            np.zeros((0, 3), np.int64),
            np.zeros(0, np.int64),
            (),
            threads=threads,
        )
    return RayScene(
        frame,
        np.concatenate(vertices),
        np.concatenate(triangles),
        np.concatenate(features),
        refs,
        threads=threads,
    )
