from __future__ import annotations

import pytest

from twin.errors import InvalidQueryError
from twin.search.parse_query import DEFAULT_LIMIT, MAX_LIMIT, parse_query
from twin.search.records import SearchQuery


def test_a_query_is_normalised_and_gets_the_default_limit() -> None:
    assert parse_query("  ＦＴＺＸ ") == SearchQuery("ftzx", None, DEFAULT_LIMIT)
    assert parse_query("福田", layer=" city ", limit="5") == SearchQuery("福田", "city", 5)


@pytest.mark.parametrize(
    ("q", "layer", "limit", "names"),
    [
        (None, None, None, "q"),
        ("   ", None, None, "q"),
        ("x" * 101, None, None, "q"),
        ("福田", None, "0", "limit"),
        ("福田", None, str(MAX_LIMIT + 1), "limit"),
        ("福田", None, "ten", "limit"),
        ("福田", " ", None, "layer"),
        ("福田", "x" * 64, None, "layer"),
    ],
)
def test_bad_parameters_are_refused_naming_the_parameter(
    q: str | None, layer: str | None, limit: str | None, names: str
) -> None:
    with pytest.raises(InvalidQueryError, match=f"^{names}:"):
        parse_query(q, layer=layer, limit=limit)
