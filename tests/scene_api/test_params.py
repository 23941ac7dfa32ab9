from __future__ import annotations

import pytest
import shapely

from scene_api.services.params import parse_bbox, parse_polygon, parse_sort
from twin.domain import SortKey
from twin.errors import InvalidQueryError


def test_a_bbox_is_four_numbers_west_south_east_north() -> None:
    assert parse_bbox("4.3,51.9,4.4,52.1") == (4.3, 51.9, 4.4, 52.1)
    assert parse_bbox(None) is None


@pytest.mark.parametrize(
    "text",
    [
        "1,2,3",
        "1,2,3,4,5",
        "a,b,c,d",
        "nan,1,2,3",
        "0,10,1,5",
        "10,0,5,1",
        "0,-91,1,1",
        "",
        "1,,2,3",
    ],
)
def test_a_malformed_bbox_is_refused(text: str) -> None:
    with pytest.raises(InvalidQueryError) as caught:
        parse_bbox(text)
    assert "bbox" in caught.value.message


def test_sort_fields_with_a_minus_descend() -> None:
    assert parse_sort("height,-floors,+zmin") == (
        SortKey("height"),
        SortKey("floors", descending=True),
        SortKey("zmin"),
    )
    assert parse_sort(None) == ()


def test_a_sort_with_an_empty_field_is_refused() -> None:
    with pytest.raises(InvalidQueryError):
        parse_sort("height,,floors")


def test_a_wkt_polygon_becomes_wkb() -> None:
    wkb = parse_polygon("POLYGON((4 52, 4.1 52, 4.1 52.1, 4 52))")
    assert wkb is not None
    assert shapely.from_wkb(wkb).equals(shapely.from_wkt("POLYGON((4 52, 4.1 52, 4.1 52.1, 4 52))"))


@pytest.mark.parametrize(
    "text",
    [
        "POLYGON((4 52, 4.1",
        "POINT(4 52)",
        "POLYGON EMPTY",
        "POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))",
        "POLYGON((0 0, 200 0, 200 1, 0 0))",
    ],
)
def test_a_bad_polygon_is_refused(text: str) -> None:
    with pytest.raises(InvalidQueryError) as caught:
        parse_polygon(text)
    assert "polygon" in caught.value.message
