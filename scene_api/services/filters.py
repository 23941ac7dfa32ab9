"""Parse the ``filter=`` parameters of a feature query (a small CQL2-text subset).

One condition per ``filter`` parameter; repeated parameters are ANDed::

    filter=height > 30
    filter=floors <= 4
    filter=use = 'residential'          (or: use = residential)
    filter=use != 住宅
    filter=use IN ('住宅', '商业')        (or: use in (住宅,商业))
    filter=name LIKE 'Oude%'            ('%' any run, '_' one character)
    filter=roof IS NULL
    filter=roof IS NOT NULL

Field names are attribute names or ``id``, ``class``, ``parent_id``, ``zmin``,
``zmax``; a name with spaces or operator characters is written in double
quotes (``"roof type" = flat``). Keywords are case-insensitive; ``<>`` means
``!=``. String values go in single quotes (``''`` is a quote inside); an unquoted
value is a number or ``true``/``false`` when it reads as one, a string otherwise,
and when the layer declares the field's type the value is converted to it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from twin.domain import AttributeFilter, AttributeType, FilterOp
from twin.errors import InvalidQueryError

SYNTAX_DOC = __doc__ or ""

BUILTIN_TYPES: Mapping[str, AttributeType] = {
    "id": "string",
    "class": "string",
    "parent_id": "string",
    "zmin": "number",
    "zmax": "number",
}

_FIELD = re.compile(r'\s*(?:"(?P<quoted>[^"]+)"|(?P<bare>[^\s=!<>(),\'"]+))\s*')
_NULL = re.compile(r"is\s+(?P<not>not\s+)?null", re.IGNORECASE)
_IN = re.compile(r"in\s*\((?P<items>.*)\)", re.IGNORECASE | re.DOTALL)
_LIKE = re.compile(r"like\s+(?P<value>.+)", re.IGNORECASE | re.DOTALL)
_COMPARE = re.compile(r"(?P<op><=|>=|!=|<>|=|<|>)\s*(?P<value>.*)", re.DOTALL)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")

_OPS: Mapping[str, FilterOp] = {
    "=": "=",
    "!=": "!=",
    "<>": "!=",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
}

MAX_FILTERS = 32
MAX_IN_VALUES = 1000


class _Literal:
    """A value as written: its text and whether it was single-quoted."""

    __slots__ = ("quoted", "text")

    def __init__(self, text: str, quoted: bool) -> None:
        self.text = text
        self.quoted = quoted


def parse_filters(
    texts: Sequence[str], schema: Mapping[str, AttributeType]
) -> tuple[AttributeFilter, ...]:
    if len(texts) > MAX_FILTERS:
        raise InvalidQueryError(f"at most {MAX_FILTERS} filter parameters are allowed")
    return tuple(parse_filter(text, schema) for text in texts)


def parse_filter(text: str, schema: Mapping[str, AttributeType]) -> AttributeFilter:
    field_match = _FIELD.match(text)
    if field_match is None:
        raise InvalidQueryError(f"filter {text!r}: expected a field name first")
    name = field_match["quoted"] or field_match["bare"]
    rest = text[field_match.end() :].strip()
    kind = {**schema, **BUILTIN_TYPES}.get(name)
    if (m := _NULL.fullmatch(rest)) is not None:
        return AttributeFilter(name, "is_not_null" if m["not"] else "is_null")
    if (m := _IN.fullmatch(rest)) is not None:
        items = _split_list(m["items"], text)
        if not items or len(items) > MAX_IN_VALUES:
            raise InvalidQueryError(f"filter {text!r}: IN needs 1 to {MAX_IN_VALUES} values")
        return AttributeFilter(name, "in", tuple(_typed(v, kind, text) for v in items))
    if (m := _LIKE.fullmatch(rest)) is not None:
        pattern = _literal(m["value"].strip(), text)
        return AttributeFilter(name, "like", pattern.text)
    if (m := _COMPARE.fullmatch(rest)) is not None:
        op = _OPS[m["op"]]
        return AttributeFilter(name, op, _typed(_literal(m["value"].strip(), text), kind, text))
    raise InvalidQueryError(
        f"filter {text!r}: expected an operator (=, !=, <, <=, >, >=, IN, LIKE, IS NULL)"
    )


def _literal(raw: str, text: str) -> _Literal:
    if not raw:
        raise InvalidQueryError(f"filter {text!r}: a value is missing")
    if raw.startswith("'"):
        if len(raw) < 2 or not raw.endswith("'") or "'" in raw[1:-1].replace("''", ""):
            raise InvalidQueryError(f"filter {text!r}: unbalanced quotes in {raw!r}")
        return _Literal(raw[1:-1].replace("''", "'"), quoted=True)
    if any(c in raw for c in "'\"()"):
        raise InvalidQueryError(f"filter {text!r}: put the value {raw!r} in single quotes")
    return _Literal(raw, quoted=False)


def _split_list(items: str, text: str) -> list[_Literal]:
    """Split ``a, 'b, c', d`` at commas outside single quotes."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in items:
        if char == "'":
            quoted = not quoted
        if char == "," and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if quoted:
        raise InvalidQueryError(f"filter {text!r}: unbalanced quotes")
    parts.append("".join(current))
    if len(parts) == 1 and not parts[0].strip():
        return []
    return [_literal(p.strip(), text) for p in parts]


def _typed(value: _Literal, kind: AttributeType | None, text: str) -> Any:
    if kind == "string" or (kind is None and value.quoted):
        return value.text
    if kind in ("integer", "number"):
        return _number(value.text, kind, text)
    if kind == "boolean":
        return _boolean(value.text, text)
    # field type unknown here: the catalog checks the field and the type
    if _NUMBER.fullmatch(value.text):
        return _number(value.text, "number", text)
    if value.text.lower() in ("true", "false"):
        return value.text.lower() == "true"
    return value.text


def _number(raw: str, kind: AttributeType, text: str) -> int | float:
    if not _NUMBER.fullmatch(raw):
        raise InvalidQueryError(f"filter {text!r}: {raw!r} is not a number")
    if re.fullmatch(r"[+-]?\d+", raw):
        return int(raw)
    number = float(raw)
    if not math.isfinite(number):
        raise InvalidQueryError(f"filter {text!r}: {raw!r} is not a finite number")
    if kind == "integer" and number.is_integer():
        return int(number)
    return number


def _boolean(raw: str, text: str) -> bool:
    lowered = raw.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise InvalidQueryError(f"filter {text!r}: {raw!r} is not true or false")
