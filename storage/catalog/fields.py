"""The fields a feature query may name: built-in columns and the layer's attributes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from twin.domain import BUILTIN_FIELDS, AttributeType
from twin.errors import InvalidQueryError

BUILTIN_TYPES: Mapping[str, AttributeType] = {
    "id": "string",
    "class": "string",
    "parent_id": "string",
    "zmin": "number",
    "zmax": "number",
}
assert set(BUILTIN_TYPES) == set(BUILTIN_FIELDS)


@dataclass(frozen=True)
class FieldRef:
    name: str
    type: AttributeType
    builtin: bool


def resolve_field(name: object, schema: Mapping[str, AttributeType]) -> FieldRef:
    if not isinstance(name, str):
        raise InvalidQueryError("a field name must be a string")
    if name in BUILTIN_TYPES:
        return FieldRef(name=name, type=BUILTIN_TYPES[name], builtin=True)
    if name in schema:
        return FieldRef(name=name, type=schema[name], builtin=False)
    raise InvalidQueryError(f"unknown field {shown(name)}", field=name[:64])


def shown(name: str) -> str:
    """A field name as it may appear in an error message: quoted, bounded."""
    return repr(name if len(name) <= 64 else name[:61] + "...")
