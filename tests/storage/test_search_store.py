"""The search store on both backends, filled by the publish lifecycle."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from storage.catalog.protocol import Catalog
from storage.factory import open_object_store
from storage.objects.protocol import ObjectStore
from storage.search.store import SearchStore
from tests.storage.search_helpers import Named, publish_named
from twin.search.parse_query import parse_query
from twin.search.records import SearchResult
from twin.search.search_layers import search_layers
from twin.settings import Settings

FUTIAN = Named("city:B1", {"name": "福田中心", "地址": "深圳市福田区福华路1号"}, lon=114.06)
NANSHAN = Named("city:B2", {"name": "南山科技园", "地址": "深圳市南山区科苑路8号"}, lon=113.95)


@pytest.fixture
def objects(settings: Settings) -> Iterator[ObjectStore]:
    yield open_object_store(settings)


def find(catalog: Catalog, q: str, **kwargs: object) -> list[SearchResult]:
    query = parse_query(q, **kwargs)  # type: ignore[arg-type]
    return search_layers(SearchStore(catalog), query)["results"]


def test_a_published_layer_is_searchable_by_name_address_id_and_pinyin(
    catalog: Catalog, objects: ObjectStore
) -> None:
    publish_named(catalog, objects, "city", [FUTIAN, NANSHAN])
    by_name = find(catalog, "福田中心")
    assert [(r["id"], r["label"], r["matched"]) for r in by_name] == [
        ("city:B1", "福田中心", "name")
    ]
    assert by_name[0]["layer"] == "city"
    assert by_name[0]["lon"] == pytest.approx(114.06)
    assert by_name[0]["lat"] == pytest.approx(22.54)
    assert by_name[0]["zmax"] == pytest.approx(30.0)
    assert [(r["id"], r["matched"]) for r in find(catalog, "科苑路")] == [("city:B2", "address")]
    assert [(r["id"], r["matched"]) for r in find(catalog, "B2")] == [("city:B2", "id")]
    assert [(r["id"], r["matched"]) for r in find(catalog, "ftzx")] == [("city:B1", "pinyin")]
    assert [(r["id"], r["matched"]) for r in find(catalog, "FuTian")] == [("city:B1", "pinyin")]
    # two address prefixes of one length: by label, 南 (U+5357) before 福 (U+798F)
    assert [r["id"] for r in find(catalog, "深圳市")] == ["city:B2", "city:B1"]
    assert find(catalog, "罗湖") == []


def test_short_queries_use_the_same_ranking_as_long_ones(
    catalog: Catalog, objects: ObjectStore
) -> None:
    publish_named(catalog, objects, "city", [FUTIAN, NANSHAN])
    assert [(r["id"], r["matched"]) for r in find(catalog, "福田")] == [("city:B1", "name")]
    # initials of 南山 first; then full pinyin, which also matches across syllables
    # (shenzhe*n s*hi in B1's address)
    assert [(r["id"], r["matched"]) for r in find(catalog, "ns")] == [
        ("city:B2", "pinyin"),
        ("city:B1", "pinyin"),
    ]
    assert [r["id"] for r in find(catalog, "号")] == ["city:B2", "city:B1"]


def test_publishing_a_new_version_replaces_the_old_labels(
    catalog: Catalog, objects: ObjectStore
) -> None:
    publish_named(catalog, objects, "city", [FUTIAN, NANSHAN])
    renamed = Named("city:B1", {"name": "会展中心"})
    version = publish_named(catalog, objects, "city", [renamed])
    assert find(catalog, "福田中心") == []
    assert find(catalog, "南山") == []
    assert [r["id"] for r in find(catalog, "会展")] == ["city:B1"]
    assert SearchStore(catalog).indexed_version("city") == version


def test_an_abandoned_version_is_never_searchable(catalog: Catalog, objects: ObjectStore) -> None:
    publish_named(catalog, objects, "city", [FUTIAN])
    with pytest.raises(RuntimeError):
        publish_named(catalog, objects, "city", [Named("city:B9", {"name": "失败大厦"})], fail=True)
    assert find(catalog, "失败") == []
    assert [r["id"] for r in find(catalog, "福田")] == ["city:B1"]  # the current one stays
    publish_named(catalog, objects, "city", [Named("city:B3", {"name": "新版大厦"})])
    assert find(catalog, "失败") == []
    assert [r["id"] for r in find(catalog, "新版")] == ["city:B3"]


def test_labels_are_found_only_while_their_version_is_current(
    catalog: Catalog, objects: ObjectStore
) -> None:
    publish_named(catalog, objects, "city", [FUTIAN])
    catalog.delete_layer("city")
    assert find(catalog, "福田") == []
    publish_named(catalog, objects, "city", [NANSHAN])  # version numbers start again
    assert find(catalog, "福田") == []
    assert [r["id"] for r in find(catalog, "南山")] == ["city:B2"]


def test_results_rank_by_tier_then_by_the_most_recent_layer(
    catalog: Catalog, objects: ObjectStore
) -> None:
    publish_named(catalog, objects, "old", [Named("old:X1", {"name": "中心广场"})])
    publish_named(
        catalog,
        objects,
        "new",
        [
            Named("new:X2", {"name": "中心广场"}),
            Named("new:X3", {"name": "福田中心广场"}),
            Named("new:ZHONGXIN", {"name": "其他"}),
        ],
    )
    ranked = [(r["id"], r["matched"]) for r in find(catalog, "中心广场")]
    assert ranked == [("new:X2", "name"), ("old:X1", "name"), ("new:X3", "name")]
    assert [r["id"] for r in find(catalog, "中心广场", layer="old")] == ["old:X1"]
    assert [r["id"] for r in find(catalog, "中心", limit=2)] == ["new:X2", "old:X1"]
    # the exact id first, then prefix and substring of names/ids, then pinyin
    assert [(r["id"], r["matched"]) for r in find(catalog, "zhongxin")] == [
        ("new:ZHONGXIN", "id"),
        ("new:X2", "pinyin"),
        ("new:X3", "pinyin"),
        ("old:X1", "pinyin"),
    ]


def test_bim_layers_are_searchable_by_element_class(catalog: Catalog, objects: ObjectStore) -> None:
    walls = [Named("2O2Fr$t4X7Zf8NOew3FLOH", {"name": "外墙-01"}, cls="IfcWall")]
    publish_named(catalog, objects, "bim1", walls, schema={"name": "string"}, kind="bim")
    assert [(r["id"], r["matched"]) for r in find(catalog, "ifcwall")] == [
        ("2O2Fr$t4X7Zf8NOew3FLOH", "name")
    ]
    assert find(catalog, "building") == []  # the class of other kinds is no label
