"""A migrated catalog on each backend, for the hub and the sessions of clients."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from storage.catalog.protocol import Catalog
from storage.factory import open_catalog
from twin.settings import Settings


@pytest.fixture
def catalog(settings: Settings) -> Iterator[Catalog]:
    cat = open_catalog(settings)
    cat.migrate()
    yield cat
    cat.close()
