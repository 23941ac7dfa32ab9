"""The parameters of a search, checked: bad ones raise ``InvalidQueryError`` (HTTP 400)."""

from __future__ import annotations

from twin.errors import InvalidQueryError
from twin.search.normalise import normalise_text
from twin.search.records import SearchQuery

MAX_QUERY_CHARS = 100
MAX_LIMIT = 50
DEFAULT_LIMIT = 10
MAX_LAYER_CHARS = 63


def parse_query(
    q: str | None, *, layer: str | None = None, limit: int | str | None = None
) -> SearchQuery:
    """A search for the text ``q`` (optionally in one layer), at most ``limit`` results."""
    text = normalise_text(q or "")
    if not text:
        raise InvalidQueryError("q: say what to search for (a name, an address or an id)")
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidQueryError(f"q: at most {MAX_QUERY_CHARS} characters")
    count = _limit(limit)
    if layer is not None:
        layer = layer.strip()
        if not layer or len(layer) > MAX_LAYER_CHARS:
            raise InvalidQueryError(f"layer: a layer id of 1 to {MAX_LAYER_CHARS} characters")
    return SearchQuery(text=text, layer=layer, limit=count)


def _limit(limit: int | str | None) -> int:
    if limit is None or limit == "":
        return DEFAULT_LIMIT
    try:
        count = int(limit)
    except ValueError:
        raise InvalidQueryError(f"limit: a whole number from 1 to {MAX_LIMIT}") from None
    if not 1 <= count <= MAX_LIMIT:
        raise InvalidQueryError(f"limit: a whole number from 1 to {MAX_LIMIT}")
    return count
