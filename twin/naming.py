"""Names users choose: layer ids and version prefixes."""

from __future__ import annotations

import re

from twin.errors import InvalidInputError

_LAYER_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def validate_layer_id(layer: str) -> str:
    if not _LAYER_ID.fullmatch(layer):
        raise InvalidInputError(
            f"invalid layer id {layer[:80]!r}: use 1-63 lower-case letters, digits, '-' or '_', "
            "starting with a letter or digit"
        )
    return layer


def version_prefix(layer: str, version: int) -> str:
    return f"layers/{validate_layer_id(layer)}/v{version:06d}/"


def layer_prefix(layer: str) -> str:
    return f"layers/{validate_layer_id(layer)}/"
