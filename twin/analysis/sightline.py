"""Sightline: is ``to`` visible from ``from``, and what stands in the way.

The segment between the two points is traced through the scene; every feature it
crosses is an obstruction, reported once at its nearest crossing, nearest first. The end
points themselves are not obstructions: a target on a facade or a roof is visible when
nothing stands before it (a tolerance of ``END_TOLERANCE_M`` at each end).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from twin.analysis.frame_points import to_local, to_lonlath
from twin.analysis.ray_scene import RayScene

#: crossings this close to either end of the segment are the end points' own surfaces
END_TOLERANCE_M = 0.05

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Obstruction:
    feature_id: str
    layer: str
    kind: str
    distance_m: float
    point: tuple[float, float, float]  # lon, lat, h


@dataclass(frozen=True)
class SightlineResult:
    visible: bool
    distance_m: float
    obstructions: tuple[Obstruction, ...]


def trace_sightline(
    scene: RayScene, start: tuple[float, float, float], end: tuple[float, float, float]
) -> SightlineResult:
    """``start``/``end`` are (lon, lat, h above the ellipsoid)."""
    a, b = to_local(scene.frame, np.asarray([start, end], dtype=np.float64))
    direction = b - a
    length = float(np.linalg.norm(direction))
    if length <= 2 * END_TOLERANCE_M:
        return SightlineResult(visible=True, distance_m=length, obstructions=())
    hits = scene.hits_along(a, direction, length)
    seen: dict[int, float] = {}
    for dist, feat in zip(hits.distance.tolist(), hits.feature.tolist(), strict=True):
        if dist < END_TOLERANCE_M or dist > length - END_TOLERANCE_M:
            continue
        seen.setdefault(int(feat), float(dist))
    unit = direction / length
    points: F64 | list[F64] = (
        to_lonlath(scene.frame, a + unit * np.asarray(list(seen.values()))[:, None]) if seen else []
    )
    obstructions = []
    for (feat, dist), p in zip(seen.items(), points, strict=True):
        ref = scene.features[feat] if feat >= 0 else None
        obstructions.append(
            Obstruction(
                feature_id=ref.feature_id if ref else "",
                layer=ref.layer if ref else "",
                kind=ref.kind if ref else "",
                distance_m=round(dist, 3),
                point=(float(p[0]), float(p[1]), round(float(p[2]), 3)),
            )
        )
    obstructions.sort(key=lambda o: o.distance_m)
    return SightlineResult(
        visible=not obstructions, distance_m=round(length, 3), obstructions=tuple(obstructions)
    )
