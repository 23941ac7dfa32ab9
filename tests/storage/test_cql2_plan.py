"""Parsing and checking CQL2 filters against a layer schema (no database involved)."""

from __future__ import annotations

import json

import pytest

from storage.catalog.cql2_parse import InvalidFilterError
from storage.catalog.cql2_plan import And, Compare, Or, Spatial, expression_window, plan_cql2
from storage.catalog.cql2_temporal import Temporal
from twin.domain import AttributeType, Cql2Filter

SCHEMA: dict[str, AttributeType] = {"用途": "string", "高度": "number", "public": "boolean"}


def _plan(text: str, lang: str = "cql2-text") -> object:
    return plan_cql2(Cql2Filter(text, lang), SCHEMA)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "position", "reason"),
    [
        ('"高度" >', "line 1, column 7", "ends too early"),
        ('"高度" >> 3', "line 1, column 7", "unexpected '>'"),
        ('"用途" = \'住宅\' AND\n  "高度" § 3', "line 2, column 8", "unexpected character '§'"),
        ('("高度" > 3', "line 1, column 10", "ends too early"),
    ],
)
def test_a_syntax_error_names_its_line_column_and_reason(
    text: str, position: str, reason: str
) -> None:
    with pytest.raises(InvalidFilterError) as raised:
        _plan(text)
    assert raised.value.code == "invalid_filter"
    assert position in raised.value.message
    assert reason in raised.value.message


def test_a_json_syntax_error_names_its_line_and_column() -> None:
    with pytest.raises(InvalidFilterError, match="line 2, column 10"):
        _plan('{"op": "=",\n "args": ]}', "cql2-json")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"楼龄" = 3', "unknown property '楼龄'"),
        ("\"高度\" = '高'", "'高度' is a number"),
        ('"用途" = 3', "'用途' is a string"),
        ("public < true", "does not apply to boolean"),
        ("\"高度\" LIKE '1%'", "LIKE needs a string property"),
        ('"高度" + 1 > 3', "arithmetic is not supported"),
        ('"高度" = "用途"', "another property"),
        ('S_INTERSECTS("用途", POINT(1 2))', "needs the property 'geometry'"),
        ("T_BEFORE(\"高度\", DATE('2020-01-01'))", "needs a string property"),
        ("T_EQUALS(\"用途\", INTERVAL('2020-01-01', '2021-01-01'))", "not an INTERVAL"),
        ("\"用途\" LIKE 'a\\'", "lone escape"),
        ("S_INTERSECTS(geometry, BBOX(3, 0, 1, 1))", "west <= east"),
        ("S_INTERSECTS(geometry, POLYGON((0 0, 1 1, 1 0, 0 1, 0 0)))", "not valid"),
    ],
)
def test_a_filter_the_schema_cannot_answer_names_the_problem(text: str, message: str) -> None:
    with pytest.raises(InvalidFilterError) as raised:
        _plan(text)
    assert message in raised.value.message


def test_text_and_json_give_the_same_tree() -> None:
    text = '"用途" = \'住宅\' AND ("高度" > 3 OR public = true)'
    doc = {"op": "and", "args": [
        {"op": "=", "args": [{"property": "用途"}, "住宅"]},
        {"op": "or", "args": [{"op": ">", "args": [{"property": "高度"}, 3]},
                              {"op": "=", "args": [{"property": "public"}, True]}]},
    ]}  # fmt: skip
    tree = _plan(text)
    assert tree == _plan(json.dumps(doc), "cql2-json")
    assert isinstance(tree, And) and isinstance(tree.parts[1], Or)
    assert tree.parts[0] == Compare(tree.parts[0].field, "=", "住宅")  # type: ignore[union-attr]


def test_parent_is_an_alias_of_parent_id() -> None:
    tree = _plan("parent = 'site:1'")
    assert isinstance(tree, Compare) and tree.field.name == "parent_id" and tree.field.builtin


def test_only_spatial_predicates_anded_at_the_top_give_a_window() -> None:
    anded = _plan(
        "S_INTERSECTS(geometry, BBOX(0, 0, 2, 2)) AND S_WITHIN(geometry, BBOX(1, 1, 3, 3))"
    )
    assert isinstance(anded, And) and all(isinstance(p, Spatial) for p in anded.parts)
    assert expression_window(anded) == (1.0, 1.0, 2.0, 2.0)  # type: ignore[arg-type]
    ored = _plan('S_INTERSECTS(geometry, BBOX(0, 0, 2, 2)) OR "高度" > 3')
    assert expression_window(ored) is None  # type: ignore[arg-type]
    disjoint = _plan("S_DISJOINT(geometry, BBOX(0, 0, 2, 2))")
    assert expression_window(disjoint) is None  # type: ignore[arg-type]


def test_a_day_is_an_interval_up_to_the_next_midnight() -> None:
    tree = _plan("T_AFTER(\"用途\", DATE('2020-02-28'))")
    assert isinstance(tree, Temporal)
    assert tree.lower is not None and tree.lower.isoformat() == "2020-02-29T00:00:00+00:00"
    assert tree.lower_inclusive and tree.upper is None
