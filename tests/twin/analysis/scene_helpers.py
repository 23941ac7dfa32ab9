"""Synthetic ray scenes for analysis tests: axis-aligned boxes in a local east-north-up frame.

Boxes are given in frame metres (x east, y north, z up from the frame origin, which sits on
the ellipsoid at ``LON``, ``LAT``), so a point ``(x, y, z)`` near the origin is ``z`` metres
above the ellipsoid. :func:`lonlath` turns frame points back into lon/lat/h for the analyses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import mapbox_earcut
import numpy as np
import numpy.typing as npt

from tiles.geodesy import EnuFrame
from twin.analysis.frame_points import to_lonlath
from twin.analysis.ray_scene import FeatureRef, RayScene

F64 = npt.NDArray[np.float64]

LON = 114.05
LAT = 22.55
FRAME = EnuFrame(LON, LAT, 0.0)

# the 8 corners of a unit box, x fastest; the 12 triangles wound counter-clockwise outward
_CORNERS = np.array(
    [[x, y, z] for z in (0.0, 1.0) for y in (0.0, 1.0) for x in (0.0, 1.0)], dtype=np.float64
)
_TRIANGLES = np.array(
    [
        [0, 2, 1], [1, 2, 3],  # bottom (z = 0), facing down
        [4, 5, 6], [5, 7, 6],  # top (z = 1), facing up
        [0, 1, 4], [1, 5, 4],  # south (y = 0)
        [2, 6, 3], [3, 6, 7],  # north (y = 1)
        [0, 4, 2], [2, 4, 6],  # west (x = 0)
        [1, 3, 5], [3, 7, 5],  # east (x = 1)
    ],
    dtype=np.int64,
)  # fmt: skip


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in frame metres; ``flip`` winds its triangles inward."""

    xmin: float
    ymin: float
    zmin: float
    xmax: float
    ymax: float
    zmax: float
    feature_id: str = ""
    layer: str = "blocks"
    kind: str = "buildings"
    flip: bool = False


def box_scene(boxes: Sequence[Box], frame: EnuFrame = FRAME) -> RayScene:
    """One scene of ``boxes``, box ``i`` being feature ``i`` (id ``B{i}`` unless given)."""
    vertices, triangles, feature = [], [], []
    refs = []
    for i, box in enumerate(boxes):
        lo = np.array([box.xmin, box.ymin, box.zmin])
        hi = np.array([box.xmax, box.ymax, box.zmax])
        vertices.append(lo + _CORNERS * (hi - lo))
        tri = _TRIANGLES[:, ::-1] if box.flip else _TRIANGLES
        triangles.append(tri + 8 * i)
        feature.append(np.full(len(tri), i, np.int64))
        refs.append(FeatureRef(box.layer, box.feature_id or f"B{i}", box.kind))
    if not boxes:
        return RayScene(
            frame, np.zeros((0, 3)), np.zeros((0, 3), np.int64), np.zeros(0, np.int64), ()
        )
    return RayScene(
        frame, np.concatenate(vertices), np.concatenate(triangles), np.concatenate(feature), refs
    )


def lonlath(
    points: Sequence[float] | Sequence[Sequence[float]] | F64, frame: EnuFrame = FRAME
) -> F64:
    """Frame points (x, y, z metres; one or many) as (n, 3) lon, lat, h."""
    return to_lonlath(frame, np.asarray(points, dtype=np.float64).reshape(-1, 3))


@dataclass(frozen=True)
class Prism:
    """A vertical prism over a counter-clockwise footprint ring ``(x, y)`` in frame metres,
    from ``zmin`` to ``zmax``; ``flip`` lists the triangles (by index) wound inward."""

    ring: tuple[tuple[float, float], ...]
    zmin: float
    zmax: float
    feature_id: str = ""
    layer: str = "blocks"
    kind: str = "buildings"
    flip: tuple[int, ...] = ()


def prism_mesh(prism: Prism) -> tuple[F64, npt.NDArray[np.int64]]:
    """Vertices and outward-wound triangles (but those in ``prism.flip``) of ``prism``."""
    ring = np.asarray(prism.ring, dtype=np.float64)
    k = len(ring)
    bottom = np.c_[ring, np.full(k, prism.zmin)]
    top = np.c_[ring, np.full(k, prism.zmax)]
    cap = np.asarray(
        mapbox_earcut.triangulate_float64(ring, np.array([k], dtype=np.uint32)), np.int64
    ).reshape(-1, 3)
    cap = cap if _ring_area(ring) > 0 else cap[:, ::-1]  # counter-clockwise seen from above
    tris = [cap + k, cap[:, ::-1]]  # roof up, floor down
    for i in range(k):
        j = (i + 1) % k
        tris.append(np.array([[i, j, k + j], [i, k + j, k + i]], dtype=np.int64))
    triangles = np.concatenate(tris)
    if prism.flip:
        triangles[list(prism.flip)] = triangles[list(prism.flip)][:, ::-1]
    return np.concatenate([bottom, top]), triangles


def prism_scene(prisms: Sequence[Prism], frame: EnuFrame = FRAME) -> RayScene:
    """One scene of ``prisms``, prism ``i`` being feature ``i`` (id ``P{i}`` unless given)."""
    vertices, triangles, feature, refs = [], [], [], []
    base = 0
    for i, p in enumerate(prisms):
        v, t = prism_mesh(p)
        vertices.append(v)
        triangles.append(t + base)
        feature.append(np.full(len(t), i, np.int64))
        refs.append(FeatureRef(p.layer, p.feature_id or f"P{i}", p.kind))
        base += len(v)
    return RayScene(
        frame, np.concatenate(vertices), np.concatenate(triangles), np.concatenate(feature), refs
    )


def _ring_area(ring: F64) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def box_mesh(box: Box) -> tuple[F64, npt.NDArray[np.int64]]:
    """Vertices and triangles of one ``box`` (as :func:`box_scene` builds them)."""
    lo = np.array([box.xmin, box.ymin, box.zmin])
    hi = np.array([box.xmax, box.ymax, box.zmax])
    return lo + _CORNERS * (hi - lo), (_TRIANGLES[:, ::-1] if box.flip else _TRIANGLES).copy()


def height_field_mesh(xs: F64, ys: F64, z: F64) -> tuple[F64, npt.NDArray[np.int64]]:
    """A triangulated height field: ``z[j, i]`` frame metres over ``(xs[i], ys[j])``, two
    triangles per grid cell wound counter-clockwise seen from above."""
    xs, ys, z = np.asarray(xs, float), np.asarray(ys, float), np.asarray(z, float)
    gx, gy = np.meshgrid(xs, ys)
    vertices = np.c_[gx.ravel(), gy.ravel(), z.ravel()]
    nx = len(xs)
    j, i = np.meshgrid(np.arange(len(ys) - 1), np.arange(nx - 1), indexing="ij")
    a = (j * nx + i).ravel()
    b, c, d = a + 1, a + nx, a + nx + 1
    triangles = np.concatenate([np.c_[a, b, d], np.c_[a, d, c]]).astype(np.int64)
    return vertices, triangles


def mesh_scene(
    parts: Sequence[tuple[F64, npt.NDArray[np.int64], FeatureRef]], frame: EnuFrame = FRAME
) -> RayScene:
    """One scene of ``(vertices, triangles, ref)`` parts, part ``i`` being feature ``i``."""
    vertices, triangles, feature = [], [], []
    base = 0
    for i, (v, t, _) in enumerate(parts):
        vertices.append(np.asarray(v, float))
        triangles.append(np.asarray(t, np.int64) + base)
        feature.append(np.full(len(t), i, np.int64))
        base += len(v)
    return RayScene(
        frame,
        np.concatenate(vertices),
        np.concatenate(triangles),
        np.concatenate(feature),
        [ref for _, _, ref in parts],
    )
