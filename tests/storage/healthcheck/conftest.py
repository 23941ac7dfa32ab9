"""Health-check store fixtures: a store on each backend with a settable clock."""

from __future__ import annotations

from datetime import date

import pytest

from storage.catalog.protocol import Catalog
from storage.factory import open_object_store
from storage.healthcheck.store import HealthStore
from storage.objects.protocol import ObjectStore
from tests.storage.hc_helpers import Clock, make_store
from twin.settings import Settings


@pytest.fixture
def objects(settings: Settings) -> ObjectStore:
    return open_object_store(settings)


@pytest.fixture
def clock() -> Clock:
    return Clock(date(2026, 3, 10))


@pytest.fixture
def store(catalog: Catalog, objects: ObjectStore, clock: Clock) -> HealthStore:
    return make_store(catalog, objects, clock)
