from __future__ import annotations

import pytest

from scene_api.services.filters import MAX_FILTERS, parse_filter, parse_filters
from twin.domain import AttributeFilter, AttributeType
from twin.errors import InvalidQueryError

SCHEMA: dict[str, AttributeType] = {
    "height": "number",
    "floors": "integer",
    "use": "string",
    "flat": "boolean",
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("height>30", AttributeFilter("height", ">", 30)),
        ("height >= 30.5", AttributeFilter("height", ">=", 30.5)),
        ("floors<=4", AttributeFilter("floors", "<=", 4)),
        ("floors < 4.0", AttributeFilter("floors", "<", 4)),
        ("use = 'residential'", AttributeFilter("use", "=", "residential")),
        ("use=住宅", AttributeFilter("use", "=", "住宅")),
        ("use <> office", AttributeFilter("use", "!=", "office")),
        ("use != 'it''s'", AttributeFilter("use", "!=", "it's")),
        ("use in (住宅,商业)", AttributeFilter("use", "in", ("住宅", "商业"))),
        ("use IN ('a, b', c)", AttributeFilter("use", "in", ("a, b", "c"))),
        ("floors in (1, 2,3)", AttributeFilter("floors", "in", (1, 2, 3))),
        ("use LIKE 'Oude%'", AttributeFilter("use", "like", "Oude%")),
        ("use like Oude_", AttributeFilter("use", "like", "Oude_")),
        ("use is null", AttributeFilter("use", "is_null")),
        ("use IS NOT NULL", AttributeFilter("use", "is_not_null")),
        ("flat = true", AttributeFilter("flat", "=", True)),
        ("zmax > 12", AttributeFilter("zmax", ">", 12)),
        ("id = delft:B1", AttributeFilter("id", "=", "delft:B1")),
    ],
)
def test_a_filter_is_parsed_into_an_attribute_filter(text: str, expected: AttributeFilter) -> None:
    assert parse_filter(text, SCHEMA) == expected


def test_a_number_for_a_string_field_stays_text() -> None:
    assert parse_filter("use = 123", SCHEMA) == AttributeFilter("use", "=", "123")


def test_a_field_of_unknown_type_gets_the_type_its_value_reads_as() -> None:
    assert parse_filter("other = 12", SCHEMA).value == 12
    assert parse_filter("other = '12'", SCHEMA).value == "12"
    assert parse_filter("other = false", SCHEMA).value is False
    assert parse_filter("other = word", SCHEMA).value == "word"


def test_a_quoted_field_name_may_hold_spaces() -> None:
    assert parse_filter('"roof type" = flat', SCHEMA) == AttributeFilter("roof type", "=", "flat")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "field name"),
        ("height", "operator"),
        ("height >", "value is missing"),
        ("height > abc", "not a number"),
        ("use = 'open", "unbalanced quotes"),
        ("use in ()", "IN needs"),
        ("use in ('a, b)", "unbalanced quotes"),
        ("flat = maybe", "not true or false"),
        ("height ~ 3", "operator"),
        ("use = a'b", "single quotes"),
    ],
)
def test_a_malformed_filter_is_refused_naming_the_problem(text: str, problem: str) -> None:
    with pytest.raises(InvalidQueryError) as caught:
        parse_filter(text, SCHEMA)
    assert caught.value.code == "invalid_query"
    assert problem in caught.value.message


def test_too_many_filters_are_refused() -> None:
    with pytest.raises(InvalidQueryError):
        parse_filters(["height > 1"] * (MAX_FILTERS + 1), SCHEMA)


def test_repeated_filters_are_kept_in_order() -> None:
    parsed = parse_filters(["height > 1", "use = x"], SCHEMA)
    assert [f.field for f in parsed] == ["height", "use"]
