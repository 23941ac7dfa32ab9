"""The backbone end to end, on both backends: footprints -> 3D Tiles in the store + catalog."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
import shapely
from distributed import Client

from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from tests.tiles.glb_tools import (
    decode_mesh,
    decode_table,
    decompressed,
    issues,
    read_glb,
    validate,
)
from tests.twin.footprint_samples import CENTRE_LONLAT, sample_frame
from twin.domain import AttributeFilter, FeatureQuery
from twin.naming import version_prefix
from twin.pipeline.export_layer import export_layer
from twin.pipeline.publish_buildings import PublishResult, publish_buildings
from twin.readers.footprints import FootprintSet, HeightRule, load_footprints
from twin.settings import TilingSettings


def footprints(n: int = 12, layer: str = "futian") -> FootprintSet:
    return load_footprints(
        sample_frame("EPSG:4547", n=n), layer=layer, rule=HeightRule(field="height"), id_field="bid"
    )


def publish(
    fps: FootprintSet,
    store: ObjectStore,
    catalog: Catalog,
    client: Client,
    tiling: TilingSettings | None = None,
) -> PublishResult:
    return publish_buildings(
        fps, store=store, catalog=catalog, client=client, tiling=tiling or TilingSettings()
    )


def tileset(store: ObjectStore, key: str) -> dict[str, Any]:
    data = store.get_bytes(key)
    if store.head(key).content_encoding == "gzip":
        data = gzip.decompress(data)
    doc: dict[str, Any] = json.loads(data)
    return doc


def content_uris(tile: dict[str, Any]) -> list[str]:
    out = [tile["content"]["uri"]] if "content" in tile else []
    for child in tile.get("children", []):
        out.extend(content_uris(child))
    return out


def test_a_published_layer_is_in_the_catalog_and_the_store(
    backends: tuple[ObjectStore, Catalog], dask_client: Client
) -> None:
    store, catalog = backends
    result = publish(footprints(), store, catalog, dask_client)
    layer = catalog.get_layer("futian")
    assert (layer.version, layer.feature_count, layer.tileset_key) == (1, 12, result.tileset_key)
    assert layer.kind == "buildings" and layer.crs == "EPSG:4547"
    assert layer.bbox is not None
    west, south, _east, _north = layer.bbox
    assert west == pytest.approx(CENTRE_LONLAT[0], abs=1e-6)
    assert south == pytest.approx(CENTRE_LONLAT[1], abs=1e-6)
    assert (layer.zmin, layer.zmax) == (0.0, 21.0)
    assert dict(layer.attribute_schema) == {
        "height": "number",
        "floors": "integer",
        "use": "string",
    }

    doc = tileset(store, result.tileset_key)
    assert doc["asset"]["version"] == "1.1"
    assert len(doc["root"]["transform"]) == 16
    for uri in content_uris(doc["root"]):
        info = store.head(version_prefix("futian", 1) + uri)
        assert info.content_encoding == "gzip" and info.content_type == "model/gltf-binary"


def test_every_feature_is_findable_by_id_attributes_and_location(
    backends: tuple[ObjectStore, Catalog], dask_client: Client
) -> None:
    store, catalog = backends
    publish(footprints(), store, catalog, dask_client)
    feature = catalog.get_feature("futian:B005")
    assert feature.attributes["use"] == "住宅" and feature.zmax == 15.0
    assert store.exists(version_prefix("futian", 1) + feature.content_key)
    footprint = shapely.from_wkb(feature.footprint_wkb)
    assert footprint.area == pytest.approx(400 / (111_320**2 * 0.924), rel=0.02)

    page = catalog.query_features(
        FeatureQuery(layer="futian", filters=(AttributeFilter("height", ">=", 18),))
    )
    assert sorted(f.id for f in page.features) == [
        "futian:B008",
        "futian:B009",
        "futian:B010",
        "futian:B011",
    ]
    west, south = CENTRE_LONLAT
    near = catalog.query_features(
        FeatureQuery(layer="futian", bbox=(west - 1e-5, south - 1e-5, west + 1e-4, south + 1e-4))
    )
    assert [f.id for f in near.features] == ["futian:B000"]


def test_tile_contents_carry_the_stable_ids_and_attributes_of_their_features(
    backends: tuple[ObjectStore, Catalog], dask_client: Client, tmp_path: Path
) -> None:
    store, catalog = backends
    publish(footprints(), store, catalog, dask_client, TilingSettings(max_features_per_tile=5))
    seen: dict[str, Any] = {}
    paths = []
    for info in store.list(version_prefix("futian", 1)):
        if not info.key.endswith(".glb"):
            continue
        glb_bytes = gzip.decompress(store.get_bytes(info.key))
        glb = read_glb(glb_bytes)
        table = decode_table(glb)
        mesh = decode_mesh(glb)
        assert set(mesh.feature_ids.tolist()) == set(range(len(table["id"])))
        for i, fid in enumerate(table["id"]):
            seen[fid] = table["height"][i]
            feature = catalog.get_feature(fid)
            assert info.key.endswith(feature.content_key)
        path = tmp_path / f"{len(paths)}.glb"
        path.write_bytes(decompressed(glb_bytes))
        paths.append(path)
    assert seen == {f"futian:B{i:03d}": 10.0 + i for i in range(12)}
    assert len(paths) >= 3
    for report in validate(paths):
        assert issues(report, "errors") == []


def test_republishing_switches_versions_and_keeps_only_the_previous_one(
    backends: tuple[ObjectStore, Catalog], dask_client: Client
) -> None:
    store, catalog = backends
    for _ in range(3):
        publish(footprints(), store, catalog, dask_client)
    assert catalog.get_layer("futian").version == 3
    assert store.exists(version_prefix("futian", 3) + "tileset.json")
    assert store.exists(version_prefix("futian", 2) + "tileset.json")
    assert list(store.list(version_prefix("futian", 1))) == []
    assert catalog.query_features(FeatureQuery(layer="futian")).total == 12


class FailingStore:
    """Wraps a store and fails the n-th write, like a full disk or a dropped connection."""

    def __init__(self, inner: ObjectStore, fail_at: int) -> None:
        self.inner = inner
        self.fail_at = fail_at
        self.writes = 0

    def put_bytes(self, key: str, data: bytes, **kw: Any) -> Any:
        self.writes += 1
        if self.writes == self.fail_at:
            raise OSError("disk full")
        return self.inner.put_bytes(key, data, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.mark.parametrize("fail_at", [1, 3])
def test_a_failed_publish_leaves_the_previous_version_current_and_intact(
    backends: tuple[ObjectStore, Catalog], dask_client: Client, fail_at: int
) -> None:
    store, catalog = backends
    first = publish(footprints(), store, catalog, dask_client)
    before = sorted(i.key for i in store.list("layers/futian/"))
    failing = FailingStore(store, fail_at)
    with pytest.raises(OSError, match="disk full"):
        publish(
            footprints(20), failing, catalog, dask_client, TilingSettings(max_features_per_tile=4)
        )  # type: ignore[arg-type]
    layer = catalog.get_layer("futian")
    assert (layer.version, layer.feature_count, layer.tileset_key) == (1, 12, first.tileset_key)
    assert sorted(i.key for i in store.list("layers/futian/")) == before
    assert catalog.query_features(FeatureQuery(layer="futian")).total == 12
    assert tileset(store, first.tileset_key)["asset"]["tilesetVersion"] == "v000001"


def test_export_writes_plain_files_that_validate(
    backends: tuple[ObjectStore, Catalog], dask_client: Client, tmp_path: Path
) -> None:
    store, catalog = backends
    publish(footprints(), store, catalog, dask_client, TilingSettings(max_features_per_tile=4))
    out = tmp_path / "export"
    result = export_layer("futian", out, store=store, catalog=catalog)
    doc = json.loads(result.tileset.read_text())
    uris = content_uris(doc["root"])
    assert len(uris) == result.files - 1 >= 3
    glbs = [out / u for u in uris]
    assert all(p.read_bytes()[:4] == b"glTF" for p in glbs)
    for report in validate(glbs):
        assert issues(report, "errors") == []


def test_export_refuses_a_directory_that_is_not_empty(
    backends: tuple[ObjectStore, Catalog], dask_client: Client, tmp_path: Path
) -> None:
    store, catalog = backends
    publish(footprints(), store, catalog, dask_client)
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(ValueError, match="not an empty directory"):
        export_layer("futian", tmp_path, store=store, catalog=catalog)
    assert (tmp_path / "keep.txt").read_text() == "mine"
