"""Sunlight, sky view and street indicators as the API and the CLI run them.

Each function takes the :class:`~twin.analysis.service.AnalysisService` and a JSON-like
request, and returns a JSON-like result (``before``/``after`` side by side with a
scenario's ``compare``). Facade points of a building are sampled once, on the scene that
has the building (the scenario's), and the same points are traced in both scenes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import shapely

from twin.analysis.facade_points import facade_samples
from twin.analysis.ray_scene import FeatureRef, RayScene
from twin.analysis.sky_view import sky_view_factor
from twin.analysis.solar_terms import dahan_date
from twin.analysis.street_indicators import StreetIndicators, street_indicators
from twin.analysis.sunlight import PointSunlight, sunlight_at
from twin.analysis.wire_points import number, only_keys, parse_points
from twin.domain import FeatureQuery
from twin.errors import FeatureNotFoundError, InvalidInputError

if TYPE_CHECKING:
    from twin.analysis.service import AnalysisService

F64 = npt.NDArray[np.float64]
#: catalog classes of street objects and surfaces that count as greenery
GREEN_CLASSES = frozenset({"tree", "shrub", "hedge", "lawn", "grass", "green", "park", "绿地"})
MAX_STREETS = 2000


def run_sunlight(svc: AnalysisService, body: Mapping[str, Any]) -> dict[str, Any]:
    keys = {
        "points",
        "normals",
        "building",
        "date",
        "window",
        "step_min",
        "required_hours",
        "spacing_m",
        "layers",
        "scenario",
    }
    only_keys(body, keys)
    if (body.get("points") is None) == (body.get("building") is None):
        raise InvalidInputError("give either 'points' or 'building' (a feature id)")
    day = _date(body.get("date"))
    window = _window(body.get("window", ["08:00", "16:00"]))
    step = number(body.get("step_min", 1.0), "step_min")
    required = body.get("required_hours", 2.0)
    if required is not None:
        required = number(required, "required_hours")
    pair = svc.scene_pair(body)
    normals: F64 | None
    if body.get("building") is not None:
        building = str(body["building"])
        spacing = number(body.get("spacing_m", 3.0), "spacing_m")
        index = _feature_index(pair.after, building)
        samples = facade_samples(pair.after, index, spacing_m=spacing)
        points, normals = samples.points, samples.normals_enu
    else:
        points = svc.resolve(parse_points(body["points"], "points"), svc.ground(pair.layers))
        normals = _normals(body.get("normals"), len(points))

    def run(scene: RayScene) -> dict[str, Any]:
        results = sunlight_at(scene, points, normals, day, window, step, required)
        return _sunlight_json(points, normals, results)

    out = svc.side_by_side(pair, run)
    out.update(
        {
            "date": day.isoformat(),
            "window": list(window),
            "step_min": step,
            "required_hours": required,
        }
    )
    if body.get("building") is not None:
        out["building"] = str(body["building"])
    return out


def _sunlight_json(
    points: F64, normals: F64 | None, results: list[PointSunlight]
) -> dict[str, Any]:
    rows = []
    for i, r in enumerate(results):
        rows.append(
            {
                "point": [float(points[i, 0]), float(points[i, 1]), round(float(points[i, 2]), 3)],
                "normal": None if normals is None else [round(float(v), 4) for v in normals[i]],
                "hours": round(r.hours, 4),
                "total_min": r.total_min,
                "longest_continuous_min": r.longest_continuous_min,
                "passes": r.passes,
                "periods": [list(p) for p in r.periods],
            }
        )
    hours = [r.hours for r in results]
    return {
        "points": rows,
        "summary": {
            "count": len(results),
            "passing": sum(1 for r in results if r.passes),
            "failing": sum(1 for r in results if r.passes is False),
            "min_hours": round(min(hours), 4) if hours else None,
            "max_hours": round(max(hours), 4) if hours else None,
        },
    }


def run_sky_view(svc: AnalysisService, body: Mapping[str, Any]) -> dict[str, Any]:
    only_keys(body, {"points", "normals", "rays", "layers", "scenario"})
    rays = body.get("rays", 2048)
    if isinstance(rays, bool) or not isinstance(rays, int):
        raise InvalidInputError("rays must be an integer")
    pair = svc.scene_pair(body)
    points = svc.resolve(parse_points(body.get("points"), "points"), svc.ground(pair.layers))
    normals = _normals(body.get("normals"), len(points))

    def run(scene: RayScene) -> dict[str, Any]:
        svf = sky_view_factor(scene, points, normals, rays=rays)
        return {
            "points": [
                {
                    "point": [float(p[0]), float(p[1]), round(float(p[2]), 3)],
                    "svf": round(float(v), 4),
                }
                for p, v in zip(points, svf, strict=True)
            ]
        }

    out = svc.side_by_side(pair, run)
    out["rays"] = rays
    return out


def run_streets(svc: AnalysisService, body: Mapping[str, Any]) -> dict[str, Any]:
    only_keys(body, {"streets", "spacing_m", "layers", "scenario"})
    streets = street_lines(body.get("streets"))
    spacing = number(body.get("spacing_m", 20.0), "spacing_m")
    pair = svc.scene_pair(body)
    ground = svc.ground(pair.layers)
    green = green_features(svc, pair.after)

    def is_green(ref: FeatureRef) -> bool:
        return (ref.layer, ref.feature_id) in green

    def run(scene: RayScene) -> dict[str, Any]:
        found = street_indicators(
            scene, streets, ground=ground, spacing_m=spacing, is_green=is_green
        )
        return {"streets": [_street_json(s) for s in found]}

    out = svc.side_by_side(pair, run)
    out["spacing_m"] = spacing
    return out


def _street_json(s: StreetIndicators) -> dict[str, Any]:
    def r(v: float | None, n: int = 3) -> float | None:
        return None if v is None else round(v, n)

    return {
        "id": s.id,
        "length_m": round(s.length_m, 2),
        "stations": s.stations,
        "width_m": r(s.width_m, 2),
        "mean_height_m": r(s.mean_height_m, 2),
        "height_width_ratio": r(s.height_width_ratio),
        "svf": round(s.svf, 4),
        "green_ratio": round(s.green_ratio, 4),
    }


def street_lines(value: Any) -> list[tuple[str, shapely.LineString]]:
    """Street centre lines from a GeoJSON FeatureCollection (LineString / MultiLineString)."""
    if not isinstance(value, Mapping) or value.get("type") != "FeatureCollection":
        raise InvalidInputError("streets must be a GeoJSON FeatureCollection of LineStrings")
    features = value.get("features")
    if not isinstance(features, Sequence) or not features:
        raise InvalidInputError("streets: the FeatureCollection has no features")
    if len(features) > MAX_STREETS:
        raise InvalidInputError(f"streets: at most {MAX_STREETS} street features per request")
    out: list[tuple[str, shapely.LineString]] = []
    for i, f in enumerate(features):
        if not isinstance(f, Mapping):
            raise InvalidInputError(f"streets.features[{i}] is not a GeoJSON Feature")
        props = f.get("properties") or {}
        name = str(f.get("id") or props.get("id") or props.get("name") or i)
        try:
            geom = shapely.geometry.shape(f["geometry"])
        except (KeyError, AttributeError, TypeError, ValueError, shapely.errors.GEOSException):
            raise InvalidInputError(f"streets.features[{i}] has no valid geometry") from None
        parts = list(shapely.get_parts(geom)) if geom.geom_type == "MultiLineString" else [geom]
        for k, part in enumerate(parts):
            if part.geom_type != "LineString" or part.is_empty or part.length == 0:
                raise InvalidInputError(f"streets.features[{i}] is not a LineString")
            coords = np.asarray(part.coords)
            if not np.isfinite(coords).all() or (np.abs(coords[:, :2]) > [180, 90]).any():
                raise InvalidInputError(f"streets.features[{i}]: coordinates must be lon/lat")
            out.append(
                (name if len(parts) == 1 else f"{name}#{k}", shapely.LineString(coords[:, :2]))
            )
    return out


def green_features(svc: AnalysisService, scene: RayScene) -> set[tuple[str, str]]:
    """(layer, feature id) of the street objects whose catalog class is greenery."""
    out: set[tuple[str, str]] = set()
    for layer in {f.layer for f in scene.features if f.kind == "streets"}:
        offset = 0
        while True:
            page = svc.catalog.query_features(
                FeatureQuery(layer=layer, limit=10_000, offset=offset)
            )
            out.update((layer, r.id) for r in page.features if r.cls.lower() in GREEN_CLASSES)
            offset += len(page.features)
            if not page.features or offset >= page.total:
                break
    return out


def _feature_index(scene: RayScene, feature_id: str) -> int:
    for i, ref in enumerate(scene.features):
        if ref.feature_id == feature_id:
            return i
    raise FeatureNotFoundError(f"feature {feature_id[:200]!r} is not in the analysed layers")


def _normals(value: Any, n: int) -> F64 | None:
    if value is None:
        return None
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError("normals must be [east, north, up] triples") from None
    if arr.shape != (n, 3) or not np.isfinite(arr).all():
        raise InvalidInputError(f"normals must be {n} [east, north, up] triples, one per point")
    length = np.linalg.norm(arr, axis=1)
    if (length < 1e-9).any():
        raise InvalidInputError("normals must not be zero vectors")
    out: F64 = arr / length[:, None]
    return out


def _date(value: Any) -> dt.date:
    if value in (None, ""):
        return dahan_date(dt.datetime.now(dt.UTC).year)
    if not isinstance(value, str):
        raise InvalidInputError("date must be YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInputError(f"date {value[:40]!r} is not YYYY-MM-DD") from None


def _window(value: Any) -> tuple[str, str]:
    if (
        not isinstance(value, Sequence)
        or isinstance(value, str)
        or len(value) != 2
        or not all(isinstance(v, str) for v in value)
    ):
        raise InvalidInputError('window must be ["HH:MM", "HH:MM"] in true solar time')
    return (value[0], value[1])
