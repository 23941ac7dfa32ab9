"""CQL2 filters on both catalogs, each checked against the same condition in plain Python.

The rows the oracle reads come from ``query_features`` without a filter; the
oracle (tests/storage/cql2_cases.py) evaluates with Python and shapely only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import shapely

from storage.catalog.protocol import Catalog
from storage.factory import open_catalog
from tests.conftest import BACKENDS
from tests.storage import cql2_cases as c
from tests.storage.catalog_helpers import publish
from twin.domain import Cql2Filter, FeatureQuery, FeatureRecord
from twin.settings import Settings

Row = FeatureRecord

TRIANGLE = "POLYGON((116.30 39.90, 116.36 39.90, 116.30 39.94, 116.30 39.90))"
TRIANGLE_GEOJSON = {
    "type": "Polygon",
    "coordinates": [[[116.30, 39.90], [116.36, 39.90], [116.30, 39.94], [116.30, 39.90]]],
}
BOX = (116.315, 39.905, 116.345, 39.935)


def _prop(name: str) -> dict[str, str]:
    return {"property": name}


def _op(op: str, *args: Any) -> dict[str, Any]:
    return {"op": op, "args": list(args)}


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    json: dict[str, Any]
    expected: Callable[[Row], bool]


def _use(r: Row) -> Any:
    return c.value(r, "用途")


def _height(r: Row) -> Any:
    return c.value(r, "高度")


def _floors(r: Row) -> Any:
    return c.value(r, "层数")


def _name(r: Row) -> Any:
    return c.value(r, "名称")


def _built(r: Row) -> Any:
    return c.instant(r, "built")


def _between(v: Any, lo: float, hi: float) -> bool:
    return v is not None and lo <= v <= hi


CASES = [
    Case("chinese name and value", "\"用途\" = '住宅'", _op("=", _prop("用途"), "住宅"),
         lambda r: _use(r) == "住宅"),
    Case("not equal skips nulls", "\"用途\" <> '住宅'", _op("<>", _prop("用途"), "住宅"),
         lambda r: _use(r) is not None and _use(r) != "住宅"),
    Case("like chinese substring", "\"名称\" LIKE '%花园%'", _op("like", _prop("名称"), "%花园%"),
         lambda r: c.like(_name(r), "%花园%")),
    Case("like one character", "\"名称\" LIKE '花园_区'", _op("like", _prop("名称"), "花园_区"),
         lambda r: c.like(_name(r), "花园_区")),
    Case("like is case sensitive", "\"名称\" LIKE 'garden%'",
         _op("like", _prop("名称"), "garden%"), lambda r: c.like(_name(r), "garden%")),
    Case("like escaped percent", "\"名称\" LIKE '%50\\%'", _op("like", _prop("名称"), "%50\\%"),
         lambda r: _name(r) == "garden 50%"),
    Case("like escaped underscore", "\"名称\" LIKE 'a\\_b'", _op("like", _prop("名称"), "a\\_b"),
         lambda r: _name(r) == "a_b"),
    Case("underscore matches any one", "\"名称\" LIKE 'a_b'", _op("like", _prop("名称"), "a_b"),
         lambda r: c.like(_name(r), "a_b")),
    Case("not like", "\"名称\" NOT LIKE '%花园%'",
         _op("not", _op("like", _prop("名称"), "%花园%")),
         lambda r: _name(r) is not None and not c.like(_name(r), "%花园%")),
    Case("greater than", "\"高度\" > 60", _op(">", _prop("高度"), 60),
         lambda r: _height(r) is not None and _height(r) > 60),
    Case("literal on the left", "60 < \"高度\"", _op("<", 60, _prop("高度")),
         lambda r: _height(r) is not None and _height(r) > 60),
    Case("and of comparisons", "\"高度\" <= 60 AND \"层数\" <> 3",
         _op("and", _op("<=", _prop("高度"), 60), _op("<>", _prop("层数"), 3)),
         lambda r: _height(r) is not None and _height(r) <= 60 and _floors(r) != 3),
    Case("between", "\"高度\" BETWEEN 10 AND 40", _op("between", _prop("高度"), 10, 40),
         lambda r: _between(_height(r), 10, 40)),
    Case("not between", "\"高度\" NOT BETWEEN 10 AND 40",
         _op("not", _op("between", _prop("高度"), 10, 40)),
         lambda r: _height(r) is not None and not _between(_height(r), 10, 40)),
    Case("in", "\"层数\" IN (1, 3, 5)", _op("in", _prop("层数"), [1, 3, 5]),
         lambda r: _floors(r) in (1, 3, 5)),
    Case("not in", "\"层数\" NOT IN (1, 3, 5)", _op("not", _op("in", _prop("层数"), [1, 3, 5])),
         lambda r: _floors(r) not in (1, 3, 5)),
    Case("in strings", "\"用途\" IN ('住宅', '办公')", _op("in", _prop("用途"), ["住宅", "办公"]),
         lambda r: _use(r) in ("住宅", "办公")),
    Case("is null (missing keys too)", "\"用途\" IS NULL", _op("isNull", _prop("用途")),
         lambda r: _use(r) is None),
    Case("is not null (wrong type is null)", "\"高度\" IS NOT NULL",
         _op("not", _op("isNull", _prop("高度"))), lambda r: _height(r) is not None),
    Case("boolean", "public = true", _op("=", _prop("public"), True),
         lambda r: c.value(r, "public") is True),
    Case("and binds tighter than or", "\"用途\" = '住宅' OR \"用途\" = '商业' AND \"层数\" > 2",
         _op("or", _op("=", _prop("用途"), "住宅"),
             _op("and", _op("=", _prop("用途"), "商业"), _op(">", _prop("层数"), 2))),
         lambda r: _use(r) == "住宅" or (_use(r) == "商业" and _floors(r) > 2)),
    Case("not of an or", "NOT (\"用途\" = '住宅' OR \"层数\" = 0)",
         _op("not", _op("or", _op("=", _prop("用途"), "住宅"), _op("=", _prop("层数"), 0))),
         lambda r: _use(r) is not None and _use(r) != "住宅" and _floors(r) != 0),
    Case("children by parent_id", "parent_id = 'city:F1'", _op("=", _prop("parent_id"), "city:F1"),
         lambda r: r.parent_id == "city:F1"),
    Case("parent is an alias", "parent = 'city:F2'", _op("=", _prop("parent"), "city:F2"),
         lambda r: r.parent_id == "city:F2"),
    Case("built-in columns", "class = 'room' AND zmax >= 35",
         _op("and", _op("=", _prop("class"), "room"), _op(">=", _prop("zmax"), 35)),
         lambda r: r.cls == "room" and r.zmax >= 35),
    Case("ids", "id IN ('city:F1', 'city:F7')", _op("in", _prop("id"), ["city:F1", "city:F7"]),
         lambda r: r.id in ("city:F1", "city:F7")),
    Case("s_intersects wkt / geojson", f"S_INTERSECTS(geometry, {TRIANGLE})",
         _op("s_intersects", _prop("geometry"), TRIANGLE_GEOJSON),
         lambda r: c.footprint(r).intersects(shapely.from_wkt(TRIANGLE))),
    Case("s_within bbox", f"S_WITHIN(geometry, BBOX({', '.join(map(str, BOX))}))",
         _op("s_within", _prop("geometry"), {"bbox": list(BOX)}),
         lambda r: c.footprint(r).within(shapely.box(*BOX))),
    Case("s_contains point", "S_CONTAINS(geometry, POINT(116.334 39.914))",
         _op("s_contains", _prop("geometry"), {"type": "Point", "coordinates": [116.334, 39.914]}),
         lambda r: c.footprint(r).contains(shapely.Point(116.334, 39.914))),
    Case("s_disjoint", f"S_DISJOINT(geometry, BBOX({', '.join(map(str, BOX))}))",
         _op("s_disjoint", _prop("geometry"), {"bbox": list(BOX)}),
         lambda r: c.footprint(r).disjoint(shapely.box(*BOX))),
    Case("spatial and attribute",
         f"S_INTERSECTS(geometry, BBOX({', '.join(map(str, BOX))})) AND \"用途\" = '住宅'",
         _op("and", _op("s_intersects", _prop("geometry"), {"bbox": list(BOX)}),
             _op("=", _prop("用途"), "住宅")),
         lambda r: c.footprint(r).intersects(shapely.box(*BOX)) and _use(r) == "住宅"),
    Case("spatial inside an or",
         f"S_INTERSECTS(geometry, BBOX({', '.join(map(str, BOX))})) OR \"层数\" = 6",
         _op("or", _op("s_intersects", _prop("geometry"), {"bbox": list(BOX)}),
             _op("=", _prop("层数"), 6)),
         lambda r: c.footprint(r).intersects(shapely.box(*BOX)) or _floors(r) == 6),
    Case("t_before a date", "T_BEFORE(built, DATE('2020-01-01'))",
         _op("t_before", _prop("built"), {"date": "2020-01-01"}),
         lambda r: _built(r) is not None and _built(r) < c.day("2020-01-01")[0]),
    Case("t_after a date", "T_AFTER(built, DATE('2020-01-01'))",
         _op("t_after", _prop("built"), {"date": "2020-01-01"}),
         lambda r: _built(r) is not None and _built(r) >= c.day("2020-01-01")[1]),
    Case("t_after a timestamp", "T_AFTER(built, TIMESTAMP('2020-06-15T12:30:00Z'))",
         _op("t_after", _prop("built"), {"timestamp": "2020-06-15T12:30:00Z"}),
         lambda r: _built(r) is not None and _built(r) > c.at("2020-06-15T12:30:00Z")),
    Case("t_during an interval of days", "T_DURING(built, INTERVAL('2020-01-01', '2020-12-31'))",
         _op("t_during", _prop("built"), {"interval": ["2020-01-01", "2020-12-31"]}),
         lambda r: _built(r) is not None
         and c.day("2020-01-01")[0] <= _built(r) < c.day("2020-12-31")[1]),
    Case("t_during an open interval", "T_DURING(built, INTERVAL('2020-06-01T00:00:00Z', '..'))",
         _op("t_during", _prop("built"), {"interval": ["2020-06-01T00:00:00Z", ".."]}),
         lambda r: _built(r) is not None and _built(r) >= c.at("2020-06-01T00:00:00Z")),
    Case("t_equals across offsets", "T_EQUALS(built, TIMESTAMP('2020-01-01T00:00:00Z'))",
         _op("t_equals", _prop("built"), {"timestamp": "2020-01-01T00:00:00Z"}),
         lambda r: _built(r) == c.at("2020-01-01T00:00:00Z")),
    Case("t_equals a day", "T_EQUALS(built, DATE('2020-01-01'))",
         _op("t_equals", _prop("built"), {"date": "2020-01-01"}),
         lambda r: _built(r) is not None
         and c.day("2020-01-01")[0] <= _built(r) < c.day("2020-01-01")[1]),
]  # fmt: skip


@pytest.fixture(scope="module", params=BACKENDS)
def city(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Catalog, list[Row]]]:
    """One catalog per backend with the test layer published, and its rows."""
    data_dir = tmp_path_factory.mktemp("cql2") / "twin-data"
    if request.param == "embedded":
        settings = Settings(data_dir=data_dir, log_json=False)
    else:
        pg = request.getfixturevalue("postgis")
        settings = Settings(data_dir=data_dir, database_url=pg.new_database(), log_json=False)
    catalog = open_catalog(settings)
    catalog.migrate()
    publish(catalog, c.LAYER, c.features(), c.SCHEMA)
    rows = catalog.query_features(FeatureQuery(layer=c.LAYER, limit=10_000)).features
    assert len(rows) == len(c.features())
    yield catalog, list(rows)
    catalog.close()


def _matched(catalog: Catalog, source: Cql2Filter, **query: Any) -> tuple[set[str], int]:
    page = catalog.query_features(FeatureQuery(layer=c.LAYER, cql2=source, limit=10_000, **query))
    ids = [f.id for f in page.features]
    assert len(ids) == len(set(ids))
    return set(ids), page.total


@pytest.mark.parametrize("lang", ["cql2-text", "cql2-json"])
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_cql2_filter_matches_what_python_finds_in_the_rows(
    city: tuple[Catalog, list[Row]], case: Case, lang: str
) -> None:
    catalog, rows = city
    expected = {r.id for r in rows if case.expected(r)}
    assert 0 < len(expected) < len(rows), "a case must tell matching rows from others"
    text = case.text if lang == "cql2-text" else json.dumps(case.json, ensure_ascii=False)
    got, total = _matched(catalog, Cql2Filter(text, lang))  # type: ignore[arg-type]
    assert got == expected
    assert total == len(expected)


def test_a_filter_is_anded_with_the_bbox_of_the_query(city: tuple[Catalog, list[Row]]) -> None:
    catalog, rows = city
    expected = {
        r.id
        for r in rows
        if c.footprint(r).intersects(shapely.box(*BOX)) and c.value(r, "层数") in (1, 2)
    }
    assert expected
    got, total = _matched(catalog, Cql2Filter('"层数" IN (1, 2)'), bbox=BOX)
    assert got == expected and total == len(expected)


def test_pages_of_a_spatial_filter_add_up_to_all_matches(
    city: tuple[Catalog, list[Row]],
) -> None:
    catalog, rows = city
    source = Cql2Filter(f'S_INTERSECTS(geometry, {TRIANGLE}) AND "高度" IS NOT NULL')
    expected = sorted(
        r.id
        for r in rows
        if c.footprint(r).intersects(shapely.from_wkt(TRIANGLE)) and c.value(r, "高度") is not None
    )
    seen: list[str] = []
    for offset in range(0, len(expected) + 3, 3):
        page = catalog.query_features(
            FeatureQuery(layer=c.LAYER, cql2=source, limit=3, offset=offset)
        )
        assert page.total == len(expected)
        seen += [f.id for f in page.features]
    assert sorted(seen) == expected and len(seen) == len(set(seen))


def test_a_filter_that_matches_nothing_gives_an_empty_page(
    city: tuple[Catalog, list[Row]],
) -> None:
    catalog, _ = city
    got, total = _matched(catalog, Cql2Filter("\"用途\" = '工业' OR EXCLUDE"))
    assert got == set() and total == 0
