"""Contract of the catalog on both backends: layers, versions, features, bulk load."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import shapely

from storage.catalog.migrate import load_migrations
from storage.catalog.postgis import PostGISCatalog
from storage.catalog.protocol import Catalog
from storage.catalog.sqlite import SQLiteCatalog
from storage.factory import open_catalog
from tests.storage.catalog_helpers import Feat, feature_rows, publish, publish_built, square
from twin.domain import AttributeFilter, FeatureQuery, FeatureRows, SortKey
from twin.errors import (
    BackendUnavailableError,
    ConflictError,
    FeatureNotFoundError,
    IngestError,
    LayerNotFoundError,
)
from twin.settings import Settings


def ids_of(catalog: Catalog, layer: str) -> list[str]:
    page = catalog.query_features(FeatureQuery(layer=layer, limit=10_000))
    return [f.id for f in page.features]


def test_migrate_twice_applies_nothing_the_second_time(settings: Settings) -> None:
    cat = open_catalog(settings)
    try:
        shipped = [m.name for m in load_migrations("sqlite")]  # both backends ship the same
        assert cat.migrate() == shipped
        assert cat.migrate() == []
    finally:
        cat.close()


def test_an_unknown_layer_is_not_found(catalog: Catalog) -> None:
    with pytest.raises(LayerNotFoundError):
        catalog.get_layer("nowhere")
    with pytest.raises(LayerNotFoundError):
        catalog.begin_version("nowhere")
    with pytest.raises(LayerNotFoundError):
        catalog.query_features(FeatureQuery(layer="nowhere"))
    with pytest.raises(LayerNotFoundError):
        catalog.stale_versions("nowhere")


def test_a_new_layer_has_metadata_and_no_version(catalog: Catalog) -> None:
    catalog.ensure_layer("delft", kind="buildings", title="Delft", crs="EPSG:28992")
    layer = catalog.get_layer("delft")
    assert (layer.id, layer.kind, layer.title, layer.crs) == (
        "delft",
        "buildings",
        "Delft",
        "EPSG:28992",
    )
    assert layer.version is None and layer.bbox is None and layer.feature_count == 0
    assert layer.visible is True and layer.updated_at is not None
    assert [lyr.id for lyr in catalog.list_layers()] == ["delft"]
    assert catalog.query_features(FeatureQuery(layer="delft")).total == 0


def test_ensure_layer_updates_metadata_without_touching_versions(catalog: Catalog) -> None:
    publish(catalog, "delft", [Feat("delft:1", square(0, 0)), Feat("delft:2", square(2, 0))])
    catalog.ensure_layer("delft", kind="city", title="Delft centre", crs="EPSG:7415")
    layer = catalog.get_layer("delft")
    assert (layer.kind, layer.title, layer.crs) == ("city", "Delft centre", "EPSG:7415")
    assert layer.version == 1 and layer.feature_count == 2
    assert ids_of(catalog, "delft") == ["delft:1", "delft:2"]


def test_publishing_records_the_extent_and_counts_the_rows(catalog: Catalog) -> None:
    feats = [Feat("a:1", square(4, 52, 0.5), zmin=-2), Feat("a:2", square(5, 53), zmax=40)]
    version = publish(catalog, "a", feats, {"height": "number"})
    layer = catalog.get_layer("a")
    assert layer.version == version == 1
    assert layer.bbox == (4.0, 52.0, 6.0, 54.0)
    assert (layer.zmin, layer.zmax) == (-2.0, 40.0)
    assert layer.feature_count == 2
    assert layer.tileset_key == "layers/a/v1/tileset.json"
    assert dict(layer.attribute_schema) == {"height": "number"}


def test_a_version_is_invisible_until_published_and_then_replaces_the_old(
    catalog: Catalog,
) -> None:
    first = [Feat("a:1", square(0, 0)), Feat("a:2", square(2, 0))]
    publish(catalog, "a", first)
    version = catalog.begin_version("a")
    assert version == 2
    second = [Feat("a:2", square(2, 0), {"v": 2}), Feat("a:3", square(4, 0), {"v": 2})]
    catalog.add_features("a", version, feature_rows(second[:1]))
    catalog.add_features("a", version, feature_rows(second[1:]))
    assert ids_of(catalog, "a") == ["a:1", "a:2"]
    assert catalog.get_feature("a:2").version == 1

    previous = publish_built(catalog, "a", version, second)

    assert previous == 1
    assert ids_of(catalog, "a") == ["a:2", "a:3"]
    assert catalog.get_feature("a:2").attributes == {"v": 2}
    assert catalog.get_layer("a").feature_count == 2
    with pytest.raises(FeatureNotFoundError):
        catalog.get_feature("a:1")
    assert catalog.stale_versions("a") == [1]


def test_a_published_version_takes_no_more_rows_and_cannot_be_published_again(
    catalog: Catalog,
) -> None:
    feats = [Feat("a:1", square(0, 0))]
    version = publish(catalog, "a", feats)
    with pytest.raises(ConflictError):
        catalog.add_features("a", version, feature_rows([Feat("a:9", square(5, 5))]))
    with pytest.raises(ConflictError):
        publish_built(catalog, "a", version, feats)
    with pytest.raises(ConflictError):
        catalog.abandon_version("a", version)
    assert ids_of(catalog, "a") == ["a:1"]


def test_an_abandoned_version_is_failed_stale_and_empty(catalog: Catalog) -> None:
    publish(catalog, "a", [Feat("a:1", square(0, 0))])
    version = catalog.begin_version("a")
    catalog.add_features("a", version, feature_rows([Feat("a:7", square(3, 3))]))
    catalog.abandon_version("a", version)
    assert catalog.stale_versions("a") == [version]
    with pytest.raises(ConflictError):
        catalog.add_features("a", version, feature_rows([Feat("a:8", square(3, 3))]))
    assert ids_of(catalog, "a") == ["a:1"]
    assert catalog.begin_version("a") == version + 1


def test_a_killed_ingest_leaves_the_current_version_intact(settings: Settings) -> None:
    old = [Feat(f"a:{i}", square(i, 0), {"state": "old"}) for i in range(5)]
    writer = open_catalog(settings)
    writer.migrate()
    publish(writer, "a", old, {"state": "string"})
    version = writer.begin_version("a")
    new = [Feat(f"a:{i}", square(i, 0), {"state": "new"}) for i in range(3, 9)]
    writer.add_features("a", version, feature_rows(new))
    writer.close()  # the ingest dies here, before publish_version

    reader = open_catalog(settings)
    try:
        layer = reader.get_layer("a")
        assert layer.version == 1 and layer.feature_count == 5
        page = reader.query_features(FeatureQuery(layer="a", limit=100))
        assert [f.id for f in page.features] == [f"a:{i}" for i in range(5)]
        assert {f.attributes["state"] for f in page.features} == {"old"}
        assert reader.get_feature("a:4").attributes == {"state": "old"}
        with pytest.raises(FeatureNotFoundError):
            reader.get_feature("a:8")
        # the next ingest supersedes the dead one and its rows go away
        later = reader.begin_version("a")
        reader.add_features("a", later, feature_rows(new))
        assert publish_built(reader, "a", later, new) == 1
        assert ids_of(reader, "a") == [f"a:{i}" for i in range(3, 9)]
        assert reader.stale_versions("a") == [1, version]
    finally:
        reader.close()


def test_get_feature_looks_in_the_current_version_of_every_layer(catalog: Catalog) -> None:
    road = shapely.LineString([(0, 0), (1, 1)])
    publish(catalog, "roads", [Feat("roads:1", road, {"lanes": 2}, cls="road", zmax=0.5)])
    publish(
        catalog,
        "buildings",
        [Feat("buildings:1", square(3, 3), {"name": "Oude Kerk"}, parent_id="site:9", zmin=1)],
    )
    got = catalog.get_feature("roads:1")
    assert (got.layer, got.cls, got.version, got.parent_id) == ("roads", "road", 1, None)
    assert got.attributes == {"lanes": 2}
    assert shapely.from_wkb(got.footprint_wkb).equals(road)
    assert got.bbox == (0.0, 0.0, 1.0, 1.0) and (got.zmin, got.zmax) == (0.0, 0.5)
    assert got.content_key == "layers/roads/content/roads:1.glb"
    building = catalog.get_feature("buildings:1")
    assert (building.layer, building.parent_id, building.zmin) == ("buildings", "site:9", 1.0)
    assert building.attributes == {"name": "Oude Kerk"}
    with pytest.raises(FeatureNotFoundError):
        catalog.get_feature("roads:2")
    with pytest.raises(LookupError):
        catalog.get_feature("buildings:2")


def test_delete_layer_removes_only_that_layer(catalog: Catalog) -> None:
    publish(catalog, "a", [Feat("a:1", square(0, 0))])
    publish(catalog, "b", [Feat("b:1", square(0, 0))])
    catalog.delete_layer("a")
    with pytest.raises(LayerNotFoundError):
        catalog.get_layer("a")
    with pytest.raises(FeatureNotFoundError):
        catalog.get_feature("a:1")
    assert [lyr.id for lyr in catalog.list_layers()] == ["b"]
    assert catalog.get_feature("b:1").layer == "b"
    catalog.delete_layer("a")  # deleting again is harmless
    publish(catalog, "a", [Feat("a:2", square(0, 0))])
    assert catalog.get_layer("a").version == 1
    assert ids_of(catalog, "a") == ["a:2"]


def test_duplicate_feature_ids_are_refused_and_nothing_is_loaded(catalog: Catalog) -> None:
    publish(catalog, "a", [Feat("a:1", square(0, 0))])
    version = catalog.begin_version("a")
    dup = [Feat("a:5", square(0, 0)), Feat("a:5", square(1, 1))]
    with pytest.raises(IngestError):
        catalog.add_features("a", version, feature_rows(dup))
    catalog.add_features("a", version, feature_rows(dup[:1]))
    publish_built(catalog, "a", version, dup[:1])
    assert ids_of(catalog, "a") == ["a:5"]


@pytest.mark.parametrize("attributes", ["{not json", "[1, 2]"])
def test_attributes_that_are_not_a_json_object_are_refused(
    catalog: Catalog, attributes: str
) -> None:
    catalog.ensure_layer("a", kind="buildings", title="A", crs="EPSG:4326")
    version = catalog.begin_version("a")
    good = feature_rows([Feat("a:1", square(0, 0))])
    bad = FeatureRows(**{**good.__dict__, "attributes_json": [attributes]})
    with pytest.raises(IngestError):
        catalog.add_features("a", version, bad)


def test_rows_with_mismatched_columns_or_bad_footprints_are_refused(catalog: Catalog) -> None:
    catalog.ensure_layer("a", kind="buildings", title="A", crs="EPSG:4326")
    version = catalog.begin_version("a")
    good = feature_rows([Feat("a:1", square(0, 0))])
    short = FeatureRows(**{**good.__dict__, "content_keys": []})
    garbage = FeatureRows(**{**good.__dict__, "footprints_wkb": [b"\x01\x02"]})
    empty = FeatureRows(**{**good.__dict__, "footprints_wkb": [shapely.to_wkb(shapely.Polygon())]})
    for rows in (short, garbage, empty):
        with pytest.raises(IngestError):
            catalog.add_features("a", version, rows)


def test_non_ascii_attribute_names_can_be_queried(catalog: Catalog) -> None:
    feats = [Feat("a:1", square(0, 0), {"höhe": 12, "名称": "塔"}), Feat("a:2", square(2, 0))]
    publish(catalog, "a", feats, {"höhe": "number", "名称": "string"})
    page = catalog.query_features(
        FeatureQuery(layer="a", filters=(AttributeFilter("名称", "=", "塔"),))
    )
    assert [f.id for f in page.features] == ["a:1"]
    assert page.features[0].attributes == {"höhe": 12, "名称": "塔"}
    page = catalog.query_features(
        FeatureQuery(layer="a", filters=(AttributeFilter("höhe", ">", 11),))
    )
    assert [f.id for f in page.features] == ["a:1"]


def test_fifty_thousand_rows_load_in_batches_and_query(catalog: Catalog) -> None:
    n = 50_000
    cols = np.arange(n) % 250
    rows_ = np.arange(n) // 250
    geoms = shapely.box(cols * 0.001, rows_ * 0.001, cols * 0.001 + 0.0008, rows_ * 0.001 + 0.0008)
    ids = [f"bulk:{i:06d}" for i in range(n)]
    rows = FeatureRows(
        ids=ids,
        classes=["building"] * n,
        parent_ids=[None] * n,
        attributes_json=[json.dumps({"h": int(i % 97)}) for i in range(n)],
        footprints_wkb=list(shapely.to_wkb(geoms)),
        bboxes=shapely.bounds(geoms),
        zmin=np.zeros(n),
        zmax=np.full(n, 25.0),
        content_keys=[f"c/{i}" for i in range(n)],
    )
    catalog.ensure_layer("bulk", kind="buildings", title="Bulk", crs="EPSG:4326")
    version = catalog.begin_version("bulk")
    half = n // 2
    for part in (slice(0, half), slice(half, n)):
        catalog.add_features(
            "bulk",
            version,
            FeatureRows(
                ids=rows.ids[part],
                classes=rows.classes[part],
                parent_ids=rows.parent_ids[part],
                attributes_json=rows.attributes_json[part],
                footprints_wkb=rows.footprints_wkb[part],
                bboxes=rows.bboxes[part],
                zmin=rows.zmin[part],
                zmax=rows.zmax[part],
                content_keys=rows.content_keys[part],
            ),
        )
    catalog.publish_version(
        "bulk", version, tileset_key="t", bbox=(0, 0, 0.25, 0.2), zmin=0, zmax=25,
        attribute_schema={"h": "integer"},
    )  # fmt: skip
    assert catalog.get_layer("bulk").feature_count == n

    bbox = (0.0505, 0.1005, 0.0802, 0.1203)
    hits = shapely.intersects(geoms, shapely.box(*bbox))
    expected = [ids[i] for i in np.flatnonzero(hits & (np.arange(n) % 97 < 10))]
    query = FeatureQuery(
        layer="bulk", bbox=bbox, filters=(AttributeFilter("h", "<", 10),), limit=10_000
    )
    page = catalog.query_features(query)
    assert page.total == len(expected) > 0
    assert [f.id for f in page.features] == expected


def test_concurrent_readers_from_threads_all_get_answers(catalog: Catalog) -> None:
    feats = [Feat(f"a:{i:03d}", square(i, 0), {"n": i}) for i in range(200)]
    publish(catalog, "a", feats, {"n": "integer"})

    def read(i: int) -> int:
        query = FeatureQuery(layer="a", filters=(AttributeFilter("n", ">=", i),), limit=5)
        return catalog.query_features(query).total

    with ThreadPoolExecutor(max_workers=8) as pool:
        totals = list(pool.map(read, range(64)))
    assert totals == [200 - i for i in range(64)]


def test_the_default_order_is_by_id_and_sorting_breaks_ties_by_id(catalog: Catalog) -> None:
    feats = [Feat(f"a:{c}", square(0, 0), {"g": 1}) for c in "dbca"]
    publish(catalog, "a", feats, {"g": "integer"})
    page = catalog.query_features(FeatureQuery(layer="a", sort=(SortKey("g", descending=True),)))
    assert [f.id for f in page.features] == ["a:a", "a:b", "a:c", "a:d"]


def test_ping_succeeds_on_a_migrated_catalog(catalog: Catalog) -> None:
    catalog.ping()


def test_ping_of_an_unreachable_postgis_names_no_password() -> None:
    cat = PostGISCatalog("postgresql://postgres:s3cret-pw@127.0.0.1:1/x", connect_timeout_s=2)
    with pytest.raises(BackendUnavailableError) as info:
        cat.ping()
    assert "s3cret-pw" not in str(info.value)
    assert "s3cret-pw" not in json.dumps(info.value.to_dict())
    cat.close()


def test_ping_of_a_sqlite_file_that_cannot_be_opened_fails(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    cat = SQLiteCatalog(f"sqlite:///{blocker / 'catalog.db'}")
    with pytest.raises(BackendUnavailableError) as info:
        cat.ping()
    assert str(tmp_path) not in str(info.value)
    cat.close()
