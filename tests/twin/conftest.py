"""Fixtures of the pipeline tests: a threaded Dask cluster and a migrated store + catalog."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from distributed import Client, LocalCluster

from storage.catalog.protocol import Catalog
from storage.factory import open_catalog, open_object_store
from storage.objects.protocol import ObjectStore
from twin.settings import Settings


@pytest.fixture(scope="session")
def dask_client() -> Iterator[Client]:
    cluster = LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    )
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture
def backends(settings: Settings) -> Iterator[tuple[ObjectStore, Catalog]]:
    catalog = open_catalog(settings)
    catalog.migrate()
    yield open_object_store(settings), catalog
    catalog.close()
