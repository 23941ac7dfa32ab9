"""Small in-process caches on the hot path of tile serving.

* Layer records are kept for a short time (``ttl_s``, 1 s by default): a new
  version becomes visible within that time, and a busy server asks the catalog
  once a second instead of once a request.
* Object infos of *versioned* keys never change (a version's objects are
  written once), so they are kept in a bounded LRU.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from storage.objects.protocol import ObjectInfo
from twin.domain import LayerRecord


class HotCache:
    def __init__(self, ttl_s: float = 1.0, max_objects: int = 20_000) -> None:
        self.ttl_s = ttl_s
        self.max_objects = max_objects
        self._lock = threading.Lock()
        self._layers: dict[str, tuple[float, LayerRecord]] = {}
        self._objects: OrderedDict[str, ObjectInfo] = OrderedDict()

    def layer(self, layer_id: str, load: Callable[[str], LayerRecord]) -> LayerRecord:
        now = time.monotonic()
        with self._lock:
            hit = self._layers.get(layer_id)
        if hit is not None and now - hit[0] < self.ttl_s:
            return hit[1]
        record = load(layer_id)  # raises LayerNotFoundError: nothing cached
        with self._lock:
            self._layers[layer_id] = (now, record)
        return record

    def immutable_object(self, key: str, head: Callable[[str], ObjectInfo]) -> ObjectInfo:
        with self._lock:
            info = self._objects.get(key)
            if info is not None:
                self._objects.move_to_end(key)
                return info
        info = head(key)  # raises ObjectNotFoundError: nothing cached
        with self._lock:
            self._objects[key] = info
            while len(self._objects) > self.max_objects:
                self._objects.popitem(last=False)
        return info
