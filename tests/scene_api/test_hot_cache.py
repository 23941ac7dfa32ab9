from __future__ import annotations

import time

import pytest

from scene_api.services.hot_cache import HotCache
from storage.objects.protocol import ObjectInfo
from twin.domain import LayerRecord
from twin.errors import LayerNotFoundError, ObjectNotFoundError


def test_a_layer_record_is_reused_within_the_ttl_and_reloaded_after() -> None:
    cache = HotCache(ttl_s=0.2)
    calls: list[str] = []

    def load(layer_id: str) -> LayerRecord:
        calls.append(layer_id)
        return LayerRecord(
            id=layer_id, kind="buildings", title="t", crs="EPSG:4547", version=len(calls)
        )

    assert cache.layer("a", load).version == 1
    assert cache.layer("a", load).version == 1
    time.sleep(0.25)
    assert cache.layer("a", load).version == 2
    assert calls == ["a", "a"]


def test_a_missing_layer_or_object_is_never_cached() -> None:
    cache = HotCache()

    def missing_layer(layer_id: str) -> LayerRecord:
        raise LayerNotFoundError()

    def missing_object(key: str) -> ObjectInfo:
        raise ObjectNotFoundError()

    for _ in range(2):
        with pytest.raises(LayerNotFoundError):
            cache.layer("nope", missing_layer)
        with pytest.raises(ObjectNotFoundError):
            cache.immutable_object("k", missing_object)


def test_object_infos_stay_bounded_and_evict_the_least_recently_used() -> None:
    cache = HotCache(max_objects=2)
    heads: list[str] = []

    def head(key: str) -> ObjectInfo:
        heads.append(key)
        return ObjectInfo(key=key, size=1, etag=key, content_type="x")

    for key in ["a", "b", "a", "c", "a", "b"]:
        assert cache.immutable_object(key, head).key == key
    assert heads == ["a", "b", "c", "b"]
