from __future__ import annotations

from twin.search.build_labels import labels_of
from twin.search.rank import (
    EXACT_ID,
    FULL_PINYIN,
    INITIALS,
    PREFIX,
    SUBSTRING,
    best_per_feature,
    matched_as,
    tier_of,
)
from twin.search.records import Candidate, FeatureSource, SearchLabel

FIELDS = {"name": "name", "address": "address"}


def labels(fid: str, **attributes: object) -> list[SearchLabel]:
    return labels_of(FeatureSource(fid, "building", attributes, 0.0, 0.0, 0.0), FIELDS)


def best_tier(fid: str, query: str, **attributes: object) -> int | None:
    tiers = [t for t in (tier_of(x, query) for x in labels(fid, **attributes)) if t is not None]
    return min(tiers, default=None)


def test_tiers_go_exact_id_prefix_substring_initials_full_pinyin() -> None:
    assert best_tier("city:B1", "b1", name="福田中心") == EXACT_ID
    assert best_tier("city:B1", "city:b1") == EXACT_ID
    assert best_tier("city:B12", "b1") == PREFIX
    assert best_tier("city:B1", "福田", name="福田中心") == PREFIX
    assert best_tier("city:B1", "中心", name="福田中心") == SUBSTRING
    assert best_tier("city:B1", "ftzx", name="福田中心") == INITIALS
    assert best_tier("city:B1", "tianzhong", name="福田中心") == FULL_PINYIN
    assert best_tier("city:B1", "罗湖", name="福田中心") is None
    assert best_tier("city:B1", "", name="福田中心") is None


def test_a_name_equal_to_the_query_is_a_prefix_match_not_an_exact_id() -> None:
    assert best_tier("city:B1", "福田中心", name="福田中心") == PREFIX


def test_results_say_what_matched() -> None:
    c = Candidate("city", "city:B1", "address", "福田中心", SUBSTRING, 0.0, 0.0, 0.0)
    assert matched_as(c) == "address"
    assert matched_as(Candidate("city", "city:B1", "name", "x", INITIALS, 0, 0, 0)) == "pinyin"
    assert matched_as(Candidate("city", "city:B1", "id", "x", EXACT_ID, 0, 0, 0)) == "id"


def test_each_feature_appears_once_with_its_best_label() -> None:
    rows = [
        Candidate("a", "a:1", "id", "一", EXACT_ID, 1.0, 2.0, 3.0),
        Candidate("a", "a:1", "name", "一", PREFIX, 1.0, 2.0, 3.0),
        Candidate("b", "a:1", "name", "一", PREFIX, 5.0, 6.0, 7.0),  # same id, other layer
        Candidate("a", "a:2", "name", "二", SUBSTRING, 0.0, 0.0, 0.0),
    ]
    results = best_per_feature(rows, limit=2)
    assert [(r["layer"], r["id"], r["matched"]) for r in results] == [
        ("a", "a:1", "id"),
        ("b", "a:1", "name"),
    ]
    assert results[1] == {
        "id": "a:1",
        "layer": "b",
        "label": "一",
        "matched": "name",
        "lon": 5.0,
        "lat": 6.0,
        "zmax": 7.0,
    }
