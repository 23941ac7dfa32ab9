"""Parse CQL2 filters (text and JSON encodings) into pygeofilter AST nodes.

Both encodings go through pygeofilter. Its 0.4 text grammar departs from the
CQL2 standard in a few places, so the text parser is pygeofilter's own grammar,
transformer and WKT/ISO 8601 sub-grammars with these rules patched in:

* ``AND`` binds tighter than ``OR`` (pygeofilter gives them equal precedence);
* ``NOT (a OR b)`` negates a whole condition, not only a single predicate;
* temporal predicates use the standard function form ``T_BEFORE(a, b)``;
* ``INTERVAL`` accepts dates as well as timestamps, and ``'..'`` for an open end;
* property names may be one character long; ``''`` is a quote inside a string;
* line breaks are whitespace.

The JSON parser is pygeofilter's, after two standard forms it reads
differently are rewritten: ``between`` with three arguments, and ``{"bbox": [...]}``
(pygeofilter builds its envelope from the numbers in the wrong order).

Every failure raises ``InvalidFilterError`` whose message gives the position
(line, column) and the reason.
"""

from __future__ import annotations

import json
import os.path
from functools import cache
from typing import Any

import lark
from pygeofilter import ast, values
from pygeofilter.parsers.cql2_json import parse as parse_cql2_json_ast
from pygeofilter.parsers.cql2_text import parser as text_module

from twin.errors import InvalidQueryError

MAX_FILTER_CHARS = 100_000

#: (old, new) rewrites of pygeofilter's cql2-text grammar; each must apply exactly once
_GRAMMAR_PATCHES: tuple[tuple[str, str], ...] = (
    (
        '?condition: condition_1\n          | condition "AND"i condition_1'
        "                                 -> and_\n"
        '          | condition "OR"i condition_1'
        "                                   -> or_\n",
        '?condition: and_condition\n          | condition "OR"i and_condition -> or_\n'
        '?and_condition: condition_1\n          | and_condition "AND"i condition_1 -> and_\n',
    ),
    (
        '| "NOT"i "(" predicate ")"',
        '| "NOT"i "(" condition ")"',
    ),
    (
        "?temporal_predicate: expression _binary_temporal_predicate_func expression"
        " -> binary_temporal_predicate\n",
        "?temporal_predicate: expression _binary_temporal_predicate_func expression"
        " -> binary_temporal_predicate\n"
        '    | _binary_temporal_predicate_func "(" expression "," expression ")"'
        " -> temporal_function\n",
    ),
    (
        '?interval: "INTERVAL" "("  "\'" DATETIME "\'" "," "\'" DATETIME "\'" ")"',
        '?interval: "INTERVAL" "(" interval_end "," interval_end ")"\n'
        'interval_end: "\'" DATETIME "\'" | "\'" DATE "\'" | OPEN_END\n'
        "OPEN_END: \"'..'\"",
    ),
    (
        "attribute: /[a-zA-Z][a-zA-Z_:0-9.]+/",
        "attribute: /[a-zA-Z][a-zA-Z_:0-9.]*/",
    ),
    ("%ignore WS_INLINE", "%import common.WS\n%ignore WS"),
    (
        'SINGLE_QUOTED: "\'" /.*?/ "\'"',
        "SINGLE_QUOTED: /'(?:[^']|'')*'/",
    ),
)


class InvalidFilterError(InvalidQueryError):
    code = "invalid_filter"
    default_message = "invalid filter"


class _Transformer(text_module.CQLTransformer):  # type: ignore[misc]
    """pygeofilter's transformer with the rules the patched grammar adds."""

    @lark.v_args(inline=True)
    def temporal_function(self, op: Any, lhs: Any, rhs: Any) -> Any:
        return self.binary_temporal_predicate(lhs, op, rhs)

    @lark.v_args(inline=True)
    def interval_end(self, value: Any) -> Any:
        return None if isinstance(value, lark.Token) and value.type == "OPEN_END" else value

    @lark.v_args(inline=True)
    def SINGLE_QUOTED(self, token: Any) -> str:  # lark calls it by the terminal's name
        return str(token)[1:-1].replace("''", "'")


@cache
def _text_parser() -> lark.Lark:
    directory = os.path.dirname(text_module.__file__)
    with open(os.path.join(directory, "grammar.lark"), encoding="utf-8") as handle:
        grammar = handle.read()
    for old, new in _GRAMMAR_PATCHES:
        if grammar.count(old) != 1:
            raise RuntimeError("pygeofilter's cql2-text grammar changed: update cql2_parse")
        grammar = grammar.replace(old, new)
    return lark.Lark(
        grammar,
        parser="lalr",
        maybe_placeholders=False,
        transformer=_Transformer(),
        import_paths=[os.path.dirname(directory)],
    )


def parse_filter(text: str, lang: str) -> ast.Node:
    """Parse ``text`` written in ``lang`` ("cql2-text" or "cql2-json")."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidFilterError("the filter is empty")
    if len(text) > MAX_FILTER_CHARS:
        raise InvalidFilterError(f"the filter is longer than {MAX_FILTER_CHARS} characters")
    if lang == "cql2-text":
        return parse_text(text)
    if lang == "cql2-json":
        return parse_json(text)
    raise InvalidFilterError("filter-lang must be cql2-text or cql2-json")


def parse_text(text: str) -> ast.Node:
    try:
        node = _text_parser().parse(text)
    except lark.exceptions.UnexpectedInput as exc:
        raise InvalidFilterError(_position_message(exc, text)) from None
    except lark.exceptions.VisitError as exc:
        raise InvalidFilterError(f"invalid cql2-text filter: {_reason(exc.orig_exc)}") from None
    return _node(node)


def parse_json(text: str) -> ast.Node:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidFilterError(
            f"invalid cql2-json filter at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    try:
        node = parse_cql2_json_ast(_standard_json(document, "$"))
    except InvalidFilterError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise InvalidFilterError(f"invalid cql2-json filter: {_reason(exc)}") from None
    return _node(node)


def _node(node: object) -> ast.Node:
    if not isinstance(node, ast.Node):
        raise InvalidFilterError("the filter is a value, not a condition")
    return node


def _standard_json(node: Any, where: str) -> Any:
    """Rewrite the standard forms pygeofilter's JSON parser reads differently."""
    if isinstance(node, list):
        return [_standard_json(v, f"{where}[{i}]") for i, v in enumerate(node)]
    if not isinstance(node, dict):
        return node
    if "bbox" in node and "op" not in node:
        return _bbox_polygon(node["bbox"], where)
    if "type" in node and "coordinates" in node:
        return node
    out = {k: _standard_json(v, f"{where}.{k}") for k, v in node.items()}
    if out.get("op") == "between":
        args = out.get("args")
        if not isinstance(args, list) or len(args) != 3:
            raise InvalidFilterError(f"invalid cql2-json filter at {where}: between takes 3 args")
        out["args"] = [args[0], [args[1], args[2]]]
    if "op" in out and "args" not in out:
        raise InvalidFilterError(f"invalid cql2-json filter at {where}: 'op' without 'args'")
    return out


def _bbox_polygon(box: object, where: str) -> dict[str, Any]:
    numbers = isinstance(box, list) and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in box
    )
    if not isinstance(box, list) or not numbers or len(box) not in (4, 6):
        raise InvalidFilterError(f"invalid cql2-json filter at {where}: bbox needs 4 numbers")
    w, s, e, n = (box[0], box[1], box[3], box[4]) if len(box) == 6 else box
    ring = [[w, s], [e, s], [e, n], [w, n], [w, s]]
    return {"type": "Polygon", "coordinates": [ring], "bbox": [w, s, e, n]}


def _position_message(exc: lark.exceptions.UnexpectedInput, text: str) -> str:
    line = getattr(exc, "line", None)
    column = getattr(exc, "column", None)
    at_end = isinstance(exc, lark.exceptions.UnexpectedEOF) or (
        isinstance(exc, lark.exceptions.UnexpectedToken) and exc.token.type == "$END"
    )
    if at_end or not isinstance(line, int) or line < 1:  # the end of the input
        lines = text.split("\n")
        line, column = len(lines), len(lines[-1]) + 1
    if at_end:
        reason = "the filter ends too early"
    elif isinstance(exc, lark.exceptions.UnexpectedCharacters):
        reason = f"unexpected character {exc.char!r}"
    elif isinstance(exc, lark.exceptions.UnexpectedToken):
        reason = f"unexpected {str(exc.token)[:40]!r}"
    else:
        reason = "syntax error"
    return f"invalid cql2-text filter at line {line}, column {column}: {reason}"


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0][:200] if text else type(exc).__name__) or type(exc).__name__


__all__ = ["InvalidFilterError", "ast", "parse_filter", "parse_json", "parse_text", "values"]
