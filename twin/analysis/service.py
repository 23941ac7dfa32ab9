"""The analyses as the API and the CLI run them: JSON-like requests in, JSON-like results out.

:class:`AnalysisService` owns a :class:`SceneBuilder` (meshes and scenes cached across
requests) and the terrain height models of terrain layers (for ``h_above_ground`` and
for "metres above ground" in results). Every analysis takes ``layers`` (default: every
visible layer with surfaces that is not a BIM submission) and a ``scenario``; with
``scenario.compare`` the result is ``{"before": …, "after": …}`` side by side.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from storage.submissions.store import SubmissionStore
from twin.analysis import run_corridor, run_light, run_skyline
from twin.analysis.ray_scene import RayScene
from twin.analysis.scenario import SceneBuilder, ScenePair
from twin.analysis.sightline import SightlineResult, trace_sightline
from twin.analysis.wire_points import (
    PointIn,
    only_keys,
    parse_layers,
    parse_point,
    parse_scenario,
)
from twin.errors import InvalidInputError
from twin.terrain_height import TerrainHeight

F64 = npt.NDArray[np.float64]
Ground = Callable[[F64, F64], F64]


class AnalysisService:
    """Constructing it does no I/O; scenes are read and built on first use."""

    def __init__(
        self,
        store: ObjectStore,
        catalog: Catalog,
        *,
        excluded: Callable[[], set[str]] = set,
        threads: int | None = None,
        max_triangles: int = 8_000_000,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.scenes = SceneBuilder(
            store, catalog, excluded=excluded, threads=threads, max_triangles=max_triangles
        )
        self._terrain: dict[tuple[str, int], TerrainHeight] = {}
        self._lock = threading.Lock()

    @classmethod
    def for_city(cls, store: ObjectStore, catalog: Catalog, **kwargs: Any) -> AnalysisService:
        """The service whose default layers leave BIM submissions out (they are proposals:
        add one with a scenario)."""

        def submission_layers() -> set[str]:
            return {s.layer_id for s in SubmissionStore(catalog).find()}

        return cls(store, catalog, excluded=submission_layers, **kwargs)

    # -- shared steps ---------------------------------------------------------------

    def scene_pair(self, body: Mapping[str, Any]) -> ScenePair:
        return self.scenes.scenes(
            parse_layers(body.get("layers")), parse_scenario(body.get("scenario"))
        )

    def ground(self, layers: Sequence[str]) -> Ground:
        """Ellipsoidal ground heights from the terrain layers among ``layers`` (the first
        that covers a point wins); 0 where no terrain covers it (buildings ingested without
        terrain stand on h = 0)."""
        models = []
        for name in layers:
            record = self.catalog.get_layer(name)
            if record.kind != "terrain" or record.version is None:
                continue
            key = (name, record.version)
            with self._lock:
                model = self._terrain.get(key)
            if model is None:
                model = TerrainHeight.load(self.store, self.catalog, name)
                with self._lock:
                    self._terrain[key] = model
            models.append(model)

        def heights(lon: F64, lat: F64) -> F64:
            out = np.full(np.shape(lon), np.nan)
            for m in models:
                missing = np.isnan(out)
                if not missing.any():
                    break
                out[missing] = m.height_at(np.asarray(lon)[missing], np.asarray(lat)[missing])
            result: F64 = np.where(np.isnan(out), 0.0, out)
            return result

        return heights

    @staticmethod
    def resolve(points: Sequence[PointIn], ground: Ground) -> F64:
        """(n, 3) lon, lat, ellipsoidal h: heights above ground put on the terrain."""
        lon = np.asarray([p.lon for p in points], dtype=np.float64)
        lat = np.asarray([p.lat for p in points], dtype=np.float64)
        h = np.asarray([np.nan if p.h is None else p.h for p in points], dtype=np.float64)
        above = [i for i, p in enumerate(points) if p.h_above_ground is not None]
        if above:
            g = ground(lon[above], lat[above])
            h[above] = g + np.asarray([points[i].h_above_ground for i in above], dtype=np.float64)
        return np.stack([lon, lat, h], axis=1)

    @staticmethod
    def side_by_side(pair: ScenePair, run: Callable[[RayScene], dict[str, Any]]) -> dict[str, Any]:
        after = run(pair.after)
        before = None if pair.before is None else run(pair.before)
        out: dict[str, Any] = dict(after) if before is None else {"before": before, "after": after}
        out["layers"] = list(pair.layers)
        return out

    # -- analyses -------------------------------------------------------------------

    def sightline(self, body: Mapping[str, Any]) -> dict[str, Any]:
        only_keys(body, {"from", "to", "layers", "scenario"})
        start = parse_point(_need(body, "from"), "from")
        end = parse_point(_need(body, "to"), "to")
        pair = self.scene_pair(body)
        ends = self.resolve([start, end], self.ground(pair.layers))
        a = (float(ends[0, 0]), float(ends[0, 1]), float(ends[0, 2]))
        b = (float(ends[1, 0]), float(ends[1, 1]), float(ends[1, 2]))

        def run(scene: RayScene) -> dict[str, Any]:
            return sightline_json(trace_sightline(scene, a, b))

        out = self.side_by_side(pair, run)
        out["from"], out["to"] = list(a), list(b)
        return out

    def sunlight(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return run_light.run_sunlight(self, body)

    def sky_view(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return run_light.run_sky_view(self, body)

    def streets(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return run_light.run_streets(self, body)

    def skyline(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return run_skyline.run_skyline(self, body)

    def panorama(self, body: Mapping[str, Any]) -> bytes:
        return run_skyline.run_panorama(self, body)

    def corridor(self, body: Mapping[str, Any], *, saved_by: str | None = None) -> dict[str, Any]:
        return run_corridor.run_corridor(self, body, saved_by=saved_by)


def sightline_json(r: SightlineResult) -> dict[str, Any]:
    return {
        "visible": r.visible,
        "distance_m": r.distance_m,
        "obstructions": [
            {
                "feature_id": o.feature_id,
                "layer": o.layer,
                "kind": o.kind,
                "distance_m": o.distance_m,
                "point": list(o.point),
            }
            for o in r.obstructions
        ],
    }


def _need(body: Mapping[str, Any], key: str) -> Any:
    if body.get(key) is None:
        raise InvalidInputError(f"{key!r} is required")
    return body[key]
