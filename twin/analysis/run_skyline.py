"""Skyline / ridgeline protection (观山廊道) as the API and the CLI run it.

The ridge is given (points or a GeoJSON LineString; heights of 2D points are put on the
terrain) or derived from the terrain's own horizon over an azimuth range. The share of the
ridge's length that stays visible is reported per scene, with the features that hide the
rest; :func:`run_panorama` renders the view as a PNG (before above after when comparing).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from twin.analysis.frame_points import to_local
from twin.analysis.panorama import panorama_pair, render_panorama
from twin.analysis.ray_scene import RayScene
from twin.analysis.scenario import ScenePair
from twin.analysis.skyline import eye_point, ridge_from_terrain, ridgeline_visibility, view_angles
from twin.analysis.wire_points import PointIn, number, only_keys, parse_point, parse_points
from twin.errors import InvalidInputError

if TYPE_CHECKING:
    from twin.analysis.service import AnalysisService

F64 = npt.NDArray[np.float64]
KEYS = {"viewpoint", "eye_height_m", "ridge", "azimuth", "layers", "scenario"}
#: degrees of view beside the ridge in the panorama
MARGIN_DEG = 5.0


def _inputs(svc: AnalysisService, body: Mapping[str, Any]) -> tuple[ScenePair, F64, F64]:
    only_keys(body, KEYS)
    if body.get("viewpoint") is None:
        raise InvalidInputError("'viewpoint' is required")
    viewpoint = parse_point(body["viewpoint"], "viewpoint")
    eye_height = number(body.get("eye_height_m", 1.6), "eye_height_m")
    pair = svc.scene_pair(body)
    ground = svc.ground(pair.layers)
    eye = svc.resolve([viewpoint], ground)[0] + np.array([0.0, 0.0, eye_height])
    ridge_in = body.get("ridge")
    if ridge_in is not None:
        ridge = svc.resolve(_ridge_points(ridge_in), ground)
    else:
        azimuth = body.get("azimuth")
        if not isinstance(azimuth, list) or len(azimuth) != 2:
            raise InvalidInputError("give 'ridge' points, or 'azimuth': [from, to] to derive it")
        a0, a1 = (number(a, "azimuth") for a in azimuth)
        ridge = ridge_from_terrain(pair.after, eye, a0, a1)
        if not len(ridge):
            raise InvalidInputError("no terrain horizon in that azimuth range")
    return pair, eye, ridge


def _ridge_points(value: Any) -> list[PointIn]:
    if isinstance(value, Mapping):
        if value.get("type") != "LineString":
            raise InvalidInputError("ridge must be a list of points or a GeoJSON LineString")
        value = value.get("coordinates")
        if not isinstance(value, list):
            raise InvalidInputError("ridge: a LineString needs coordinates")
        value = [
            {"lon": c[0], "lat": c[1], "h_above_ground": 0.0}
            if isinstance(c, list) and len(c) == 2
            else c
            for c in value
        ]
    return parse_points(value, "ridge")


def run_skyline(svc: AnalysisService, body: Mapping[str, Any]) -> dict[str, Any]:
    pair, eye, ridge = _inputs(svc, body)

    def run(scene: RayScene) -> dict[str, Any]:
        r = ridgeline_visibility(scene, eye, ridge)
        blocked = Counter(b for b in r.blocking if b >= 0)
        n = max(1, len(r.blocking))
        return {
            "visible_share": round(r.visible_share, 4),
            "samples": len(r.points),
            "blocked_by": [
                {
                    "feature_id": scene.features[f].feature_id,
                    "layer": scene.features[f].layer,
                    "kind": scene.features[f].kind,
                    "share": round(c / n, 4),
                }
                for f, c in blocked.most_common(50)
            ],
        }

    out = svc.side_by_side(pair, run)
    out["eye"] = [float(v) for v in eye]
    out["ridge"] = [[float(p[0]), float(p[1]), round(float(p[2]), 2)] for p in ridge]
    return out


def run_panorama(svc: AnalysisService, body: Mapping[str, Any]) -> bytes:
    pair, eye, ridge = _inputs(svc, body)
    a0, a1 = _view_range(pair.after, eye, ridge, body.get("azimuth"))
    added = set(pair.layers) - (
        {f.layer for f in pair.before.features} if pair.before else set(pair.layers)
    )
    highlight = frozenset(i for i, f in enumerate(pair.after.features) if f.layer in added)
    after = render_panorama(pair.after, eye, a0, a1, ridge=ridge, highlight=highlight)
    if pair.before is None:
        return after
    before = render_panorama(pair.before, eye, a0, a1, ridge=ridge)
    return panorama_pair(before, after)


def _view_range(scene: RayScene, eye: F64, ridge: F64, azimuth: Any) -> tuple[float, float]:
    if isinstance(azimuth, list) and len(azimuth) == 2:
        return number(azimuth[0], "azimuth"), number(azimuth[1], "azimuth")
    _, origin, axes = eye_point(scene.frame, eye)
    az, _ = view_angles(to_local(scene.frame, ridge) - origin, axes)
    # the smallest arc holding every ridge azimuth: start after the widest gap
    order = np.sort(az)
    gaps = np.diff(np.concatenate([order, order[:1] + 360.0]))
    k = int(np.argmax(gaps))
    start = float(order[(k + 1) % len(order)])
    span = 360.0 - float(gaps[k])
    if span + 2 * MARGIN_DEG >= 360.0 or math.isclose(span, 0.0):
        return start - MARGIN_DEG, start + max(span, 1.0) + MARGIN_DEG
    return start - MARGIN_DEG, start + span + MARGIN_DEG
