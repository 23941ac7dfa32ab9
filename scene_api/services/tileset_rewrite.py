"""Rewrite the relative URIs of a layer's tileset.json to versioned URLs.

The live tileset is served at ``/tiles/{layer}/tileset.json``. Its contents are
stored next to it (``t/0_1_2.glb``); the served copy points them at
``v/{version}/t/0_1_2.glb`` instead, which a client resolves against the
tileset's own URL to ``/tiles/{layer}/v/{version}/t/0_1_2.glb``: a URL whose
bytes never change, so caches may keep it forever, and a client that loaded
version 3 keeps fetching version 3 even while version 4 is being published.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from twin.errors import StorageError

#: JSON keys whose string values are URIs relative to the tileset (3D Tiles 1.1)
_URI_KEYS = frozenset({"uri", "schemaUri"})


def is_relative_uri(uri: str) -> bool:
    """True for a relative reference without scheme, authority or leading '/'."""
    if not uri or uri.startswith(("/", "\\", "#")):
        return False
    parts = urlsplit(uri)
    return not parts.scheme and not parts.netloc


def rewrite_tileset(raw: bytes, base: str) -> bytes:
    """Prefix every relative URI of a tileset JSON with ``base`` (ending in '/')."""
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StorageError("the stored tileset is not valid JSON") from exc
    if not isinstance(doc, dict):
        raise StorageError("the stored tileset is not a JSON object")
    _rewrite(doc, base)
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _rewrite(node: Any, base: str) -> None:
    stack: list[Any] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key in _URI_KEYS and isinstance(value, str):
                    if is_relative_uri(value):
                        item[key] = base + value
                elif isinstance(value, dict | list):
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(v for v in item if isinstance(v, dict | list))
