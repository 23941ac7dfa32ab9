"""Scenarios (add layers, remove features) and the cache of layer meshes and ray scenes.

An analysis runs on the *base* layers (those asked for, or every visible layer with
surfaces that is not a BIM submission) changed by a :class:`Scenario`: layers added (a
submission, a planned district) and features removed (buildings to be demolished). With
``compare`` the same analysis runs on the base scene too, so before and after come side
by side.

:class:`SceneBuilder` keeps the triangles of each layer version it has read and the
scenes it has built (least recently used first out, bounded by triangle count), so a
layer is read from the store once per version and a scene is built once per
combination. Keys hold versions: publishing a layer makes the next request read anew.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from tiles.geodesy import EnuFrame
from twin.analysis.layer_mesh import MESH_KINDS, LayerMesh, load_layer_mesh
from twin.analysis.ray_scene import RayScene, scene_from_layers
from twin.domain import LayerRecord
from twin.errors import InvalidInputError

#: cap on the features a scenario may remove (each is a lookup, the list goes in a key)
MAX_REMOVED = 100_000


@dataclass(frozen=True)
class Scenario:
    add: tuple[str, ...] = ()
    remove: frozenset[str] = field(default_factory=frozenset)
    compare: bool = False

    @property
    def changes_nothing(self) -> bool:
        return not self.add and not self.remove


@dataclass(frozen=True)
class ScenePair:
    """The scene with the scenario applied, and the base scene when comparing."""

    after: RayScene
    before: RayScene | None
    layers: tuple[str, ...]


class SceneBuilder:
    """Builds (and caches) ray scenes of layers; constructing it does no I/O."""

    def __init__(
        self,
        store: ObjectStore,
        catalog: Catalog,
        *,
        excluded: Callable[[], set[str]] = set,
        max_triangles: int = 8_000_000,
        threads: int | None = None,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.excluded = excluded
        self.max_triangles = max_triangles
        self.threads = threads
        self._meshes: OrderedDict[tuple[str, int], LayerMesh] = OrderedDict()
        self._scenes: OrderedDict[tuple[object, ...], RayScene] = OrderedDict()
        self._lock = threading.Lock()

    def base_layers(self, layers: Sequence[str] | None) -> list[LayerRecord]:
        if layers:
            records = [self.catalog.get_layer(name) for name in dict.fromkeys(layers)]
            for r in records:
                if r.kind not in MESH_KINDS:
                    raise InvalidInputError(
                        f"layer {r.id!r} is a {r.kind} layer: analyses need surfaces"
                    )
            return [r for r in records if r.version is not None]
        skip = self.excluded()
        return [
            r
            for r in self.catalog.list_layers()
            if r.visible and r.kind in MESH_KINDS and r.version is not None and r.id not in skip
        ]

    def scenes(self, layers: Sequence[str] | None, scenario: Scenario) -> ScenePair:
        if len(scenario.remove) > MAX_REMOVED:
            raise InvalidInputError(f"a scenario may remove at most {MAX_REMOVED} features")
        base = self.base_layers(layers)
        names = {r.id for r in base}
        added = [self.catalog.get_layer(a) for a in scenario.add if a not in names]
        for r in added:
            if r.kind not in MESH_KINDS or r.version is None:
                raise InvalidInputError(f"layer {r.id!r} cannot be added: it has no surfaces yet")
        everything = [*base, *added]
        if not everything:
            raise InvalidInputError("no layer with surfaces is published to analyse")
        frame = _frame_of(everything)
        after = self._scene(frame, everything, scenario.remove)
        before = None
        if scenario.compare:
            before = self._scene(frame, base, frozenset())
        return ScenePair(after=after, before=before, layers=tuple(r.id for r in everything))

    def _scene(
        self, frame: EnuFrame, records: list[LayerRecord], removed: frozenset[str]
    ) -> RayScene:
        key = (frame, tuple((r.id, r.version) for r in records), tuple(sorted(removed)))
        with self._lock:
            if key in self._scenes:
                self._scenes.move_to_end(key)
                return self._scenes[key]
        meshes = [self._mesh(r) for r in records]
        scene = scene_from_layers(frame, meshes, removed=removed, threads=self.threads)
        with self._lock:
            self._scenes[key] = scene
            self._trim(self._scenes)
        return scene

    def _mesh(self, record: LayerRecord) -> LayerMesh:
        key = (record.id, int(record.version or 0))
        with self._lock:
            if key in self._meshes:
                self._meshes.move_to_end(key)
                return self._meshes[key]
        mesh = load_layer_mesh(self.store, self.catalog, record.id)
        with self._lock:
            self._meshes[(record.id, mesh.version)] = mesh
            self._trim(self._meshes)
        return mesh

    def _trim(self, cache: OrderedDict[Any, Any]) -> None:
        while len(cache) > 1 and sum(v.triangle_count for v in cache.values()) > self.max_triangles:
            cache.popitem(last=False)


def _frame_of(records: Sequence[LayerRecord]) -> EnuFrame:
    """An east-north-up frame at the centre of the layers' extents (rounded, so stable)."""
    boxes = np.asarray([r.bbox for r in records if r.bbox is not None], dtype=np.float64)
    if not len(boxes):
        return EnuFrame(0.0, 0.0, 0.0)
    lon = (boxes[:, 0].min() + boxes[:, 2].max()) / 2
    lat = (boxes[:, 1].min() + boxes[:, 3].max()) / 2
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InvalidInputError("the layers' extents are not finite")
    return EnuFrame(round(float(lon), 6), round(float(lat), 6), 0.0)
