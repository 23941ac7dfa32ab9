"""Feature queries on both backends: filters, typed comparison, order, paging, space."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import shapely

from storage.catalog.protocol import Catalog
from storage.factory import open_catalog
from tests.storage.catalog_helpers import Feat, publish, square
from twin.domain import AttributeFilter, AttributeType, FeatureQuery, SortKey
from twin.errors import InvalidQueryError
from twin.settings import Settings

EVIL = "a') OR 1=1 --"
SCHEMA: dict[str, AttributeType] = {
    "height": "number",
    "floors": "integer",
    "name": "string",
    "kind": "string",
    "flag": "boolean",
    "note": "string",
    EVIL: "string",
}
FEATURES = [
    Feat("c:1", square(0, 0), {"height": 9, "floors": 3, "name": "Alpha", "kind": "house",
                               "flag": True, "note": "listed", EVIL: "x"}),
    Feat("c:2", square(2, 0), {"height": 10, "floors": 12, "name": "beta", "kind": "house",
                               "flag": False}, cls="part", parent_id="c:1", zmin=5),
    Feat("c:3", square(4, 0), {"height": 100.5, "floors": 30, "name": "Gamma tower",
                               "kind": "tower", "flag": True, EVIL: "y"}),
    Feat("c:4", square(6, 0), {"height": None, "floors": 2, "name": "Delta", "kind": "tower"}),
    Feat("c:5", square(8, 0), {"name": "epsilon_1", "kind": "shed"}, zmax=3),
    Feat("c:6", square(10, 0), {"height": "12", "floors": 1, "name": "epsilonX1",
                                "kind": "house", EVIL: "x"}),
]  # fmt: skip


@pytest.fixture
def city(settings: Settings) -> Iterator[Catalog]:
    cat = open_catalog(settings)
    cat.migrate()
    publish(cat, "c", FEATURES, SCHEMA)
    yield cat
    cat.close()


def found(catalog: Catalog, *filters: AttributeFilter, **kw: Any) -> list[str]:
    page = catalog.query_features(FeatureQuery(layer="c", filters=filters, **kw))
    return [f.id for f in page.features]


@pytest.mark.parametrize(
    ("field", "op", "value", "expected"),
    [
        ("height", "=", 10, ["c:2"]),
        ("height", "!=", 10, ["c:1", "c:3"]),
        ("height", "<", 10, ["c:1"]),  # 9 < 10 as numbers ("9" > "10" as text)
        ("height", "<=", 10, ["c:1", "c:2"]),
        ("height", ">", 10, ["c:3"]),
        ("height", ">=", 10, ["c:2", "c:3"]),
        ("height", "in", [9, 100.5, 7], ["c:1", "c:3"]),
        ("height", "in", [], []),
        ("height", "is_null", None, ["c:4", "c:5", "c:6"]),  # null, missing, not a number
        ("height", "is_not_null", None, ["c:1", "c:2", "c:3"]),
        ("floors", "<", 12, ["c:1", "c:4", "c:6"]),
        ("floors", ">", "2", ["c:1", "c:2", "c:3"]),  # numeric strings count as numbers
        ("name", "<", "b", ["c:1", "c:3", "c:4"]),  # code point order: capitals first
        ("name", "=", "beta", ["c:2"]),
        ("name", "like", "G%", ["c:3"]),
        ("name", "like", "g%", []),  # LIKE is case-sensitive
        ("name", "like", "%a", ["c:1", "c:2", "c:4"]),
        ("name", "like", "epsilon_1", ["c:5", "c:6"]),
        ("name", "like", "epsilon\\_1", ["c:5"]),  # backslash escapes the wildcard
        ("kind", "in", ["tower", "shed"], ["c:3", "c:4", "c:5"]),
        ("note", "is_null", None, ["c:2", "c:3", "c:4", "c:5", "c:6"]),
        ("note", "is_not_null", None, ["c:1"]),
        ("flag", "=", True, ["c:1", "c:3"]),
        ("flag", "=", "false", ["c:2"]),
        ("flag", "is_null", None, ["c:4", "c:5", "c:6"]),
        ("class", "=", "part", ["c:2"]),
        ("parent_id", "is_not_null", None, ["c:2"]),
        ("id", "in", ["c:6", "c:1", "c:9"], ["c:1", "c:6"]),
        ("zmin", ">", 1, ["c:2"]),
        ("zmax", "<", 5.5, ["c:5"]),
        (EVIL, "=", "x", ["c:1", "c:6"]),  # a hostile attribute name is just a name
    ],
)
def test_each_filter_selects_exactly_its_features(
    city: Catalog, field: str, op: Any, value: Any, expected: list[str]
) -> None:
    assert found(city, AttributeFilter(field, op, value)) == expected


def test_filters_combine_with_and(city: Catalog) -> None:
    got = found(city, AttributeFilter("kind", "=", "house"), AttributeFilter("floors", ">=", 3))
    assert got == ["c:1", "c:2"]


def test_a_hostile_value_is_only_a_value(city: Catalog) -> None:
    assert found(city, AttributeFilter("name", "=", "x' OR '1'='1")) == []
    assert found(city, AttributeFilter("name", "like", "%' OR 1=1 --")) == []
    assert len(found(city)) == 6


@pytest.mark.parametrize(
    "bad",
    [
        AttributeFilter("colour", "=", "red"),
        AttributeFilter("a') OR 1=1 --x", "=", "x"),
        AttributeFilter("height') OR 1=1 --", "is_null"),
        AttributeFilter("height", "like", "1%"),
        AttributeFilter("flag", "<", True),
        AttributeFilter("kind", "in", "tower"),
        AttributeFilter("height", "=", "tall"),
        AttributeFilter("height", "=", True),
        AttributeFilter("name", "=", 5),
        AttributeFilter("flag", "=", "maybe"),
        AttributeFilter("name", "matches", "x"),  # type: ignore[arg-type]
    ],
)
def test_a_filter_that_does_not_fit_the_schema_is_refused_naming_its_field(
    city: Catalog, bad: AttributeFilter
) -> None:
    with pytest.raises(InvalidQueryError) as info:
        found(city, bad)
    assert info.value.details.get("field") == bad.field[:64]
    assert len(found(city)) == 6  # and nothing happened to the data


@pytest.mark.parametrize("field", ["colour", "a') OR 1=1 --x", "name; DROP TABLE features"])
def test_sorting_by_an_unknown_field_is_refused(city: Catalog, field: str) -> None:
    with pytest.raises(InvalidQueryError, match="unknown field"):
        found(city, sort=(SortKey(field),))
    assert len(found(city)) == 6


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ((SortKey("height"),), ["c:1", "c:2", "c:3", "c:4", "c:5", "c:6"]),
        ((SortKey("height", descending=True),), ["c:3", "c:2", "c:1", "c:4", "c:5", "c:6"]),
        ((SortKey("floors"),), ["c:6", "c:4", "c:1", "c:2", "c:3", "c:5"]),
        ((SortKey("name"),), ["c:1", "c:4", "c:3", "c:2", "c:6", "c:5"]),  # "X" < "_"
        (
            (SortKey("kind"), SortKey("floors", descending=True)),
            ["c:2", "c:1", "c:6", "c:5", "c:3", "c:4"],
        ),
        (
            (SortKey("flag", descending=True), SortKey("zmax")),
            ["c:1", "c:3", "c:2", "c:5", "c:4", "c:6"],
        ),
        ((SortKey("id", descending=True),), ["c:6", "c:5", "c:4", "c:3", "c:2", "c:1"]),
    ],
)
def test_results_are_ordered_by_the_sort_keys_with_nulls_last(
    city: Catalog, sort: tuple[SortKey, ...], expected: list[str]
) -> None:
    assert found(city, sort=sort) == expected


def test_pages_partition_the_ordered_matches_and_carry_the_total(city: Catalog) -> None:
    sort = (SortKey("name", descending=True),)
    everything = found(city, sort=sort)
    pages: list[str] = []
    for offset in range(0, 8, 2):
        page = city.query_features(FeatureQuery(layer="c", sort=sort, limit=2, offset=offset))
        assert (page.total, page.limit, page.offset) == (6, 2, offset)
        pages.extend(f.id for f in page.features)
    assert pages == everything
    empty = city.query_features(FeatureQuery(layer="c", limit=0))
    assert empty.features == () and empty.total == 6
    filtered = city.query_features(
        FeatureQuery(layer="c", filters=(AttributeFilter("kind", "=", "house"),), limit=1, offset=1)
    )
    assert filtered.total == 3 and [f.id for f in filtered.features] == ["c:2"]


@pytest.mark.parametrize(
    "query",
    [
        FeatureQuery(layer="c", limit=10_001),
        FeatureQuery(layer="c", limit=-1),
        FeatureQuery(layer="c", offset=-1),
        FeatureQuery(layer="c", bbox=(3, 0, 1, 1)),
        FeatureQuery(layer="c", bbox=(0, 0, float("nan"), 1)),
        FeatureQuery(layer="c", polygon_wkb=b"not wkb"),
    ],
)
def test_bad_paging_or_geometry_is_refused(city: Catalog, query: FeatureQuery) -> None:
    with pytest.raises(InvalidQueryError):
        city.query_features(query)


# space -------------------------------------------------------------------------
L_SHAPE = shapely.Polygon([(0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2)])
SPACE = [
    Feat("s:l", L_SHAPE, {"n": 1}),
    Feat("s:small", square(1.4, 1.4, 0.2), {"n": 2}),
    Feat("s:far", square(10, 10), {"n": 3}),
    Feat("s:line", shapely.LineString([(3, 0), (3, 3)]), {"n": 4}),
]


@pytest.fixture
def space(settings: Settings) -> Iterator[Catalog]:
    cat = open_catalog(settings)
    cat.migrate()
    publish(cat, "s", SPACE, {"n": "integer"})
    yield cat
    cat.close()


def in_space(catalog: Catalog, **kw: Any) -> tuple[list[str], int]:
    page = catalog.query_features(FeatureQuery(layer="s", **kw))
    return [f.id for f in page.features], page.total


def test_a_polygon_selects_only_footprints_that_really_intersect(space: Catalog) -> None:
    notch = shapely.to_wkb(square(1.3, 1.3, 0.6))  # inside the L's bbox, outside the L
    assert in_space(space, polygon_wkb=notch) == (["s:small"], 1)
    touching = shapely.to_wkb(shapely.Polygon([(1.9, 0.5), (3.5, 0.5), (3.5, 0.6)]))
    assert in_space(space, polygon_wkb=touching) == (["s:l", "s:line"], 2)


def test_a_bbox_selects_footprints_that_intersect_it(space: Catalog) -> None:
    assert in_space(space, bbox=(1.2, 1.2, 1.3, 1.3)) == ([], 0)
    assert in_space(space, bbox=(0.5, 0.5, 1.45, 1.45)) == (["s:l", "s:small"], 2)
    assert in_space(space, bbox=(-1, -1, 20, 20)) == (["s:far", "s:l", "s:line", "s:small"], 4)
    assert in_space(space, bbox=(2.5, 2.5, 9.0, 9.0)) == (["s:line"], 1)


def test_bbox_polygon_filters_order_and_paging_combine(space: Catalog) -> None:
    everything = (-1.0, -1.0, 20.0, 20.0)
    strip = shapely.to_wkb(shapely.box(-1, 0.5, 20, 1.5))
    ids, total = in_space(
        space,
        bbox=everything,
        polygon_wkb=strip,
        filters=(AttributeFilter("n", "!=", 2),),
        sort=(SortKey("n", descending=True),),
        limit=1,
        offset=1,
    )
    assert (ids, total) == (["s:l"], 2)
    assert in_space(space, bbox=(5, 5, 6, 6), polygon_wkb=strip) == ([], 0)
