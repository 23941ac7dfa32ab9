"""What the auth stores share: one transaction helper over the catalog and SQL dialect bits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from storage.catalog.protocol import Catalog


class CatalogSQL:
    """Runs ``?``-style SQL on the catalog's database, whichever backend it is."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self.qmark = catalog.paramstyle == "qmark"

    def sql(self, text: str) -> str:
        return text if self.qmark else text.replace("?", "%s")

    @contextmanager
    def tx(self) -> Iterator[Any]:
        with self._catalog.transaction() as conn:
            yield conn


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def from_json(value: Any) -> Any:
    if value is None or isinstance(value, dict | list):
        return value
    return json.loads(value)
