"""Build the configured object store and catalog from Settings.

Constructors of the backends do no I/O; the first call does (``ping`` checks).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twin.errors import ConfigError

if TYPE_CHECKING:
    from storage.catalog.protocol import Catalog
    from storage.objects.protocol import ObjectStore
    from twin.settings import Settings


def open_object_store(settings: Settings) -> ObjectStore:
    url = settings.object_store_url
    if url.startswith("file://"):
        from storage.objects.local import LocalObjectStore

        return LocalObjectStore.from_url(url)
    if url.startswith("s3://"):
        from storage.objects.s3 import S3ObjectStore

        if settings.s3_access_key is None or settings.s3_secret_key is None:
            raise ConfigError(
                "an s3:// storage URL needs TWIN_S3_ACCESS_KEY and TWIN_S3_SECRET_KEY"
            )
        return S3ObjectStore(
            settings.s3_location(),
            access_key=settings.s3_access_key.get_secret_value(),
            secret_key=settings.s3_secret_key.get_secret_value(),
        )
    raise ConfigError("storage URL must start with file:// or s3://")


def open_catalog(settings: Settings) -> Catalog:
    url = settings.catalog_url
    if url.startswith("sqlite:///"):
        from storage.catalog.sqlite import SQLiteCatalog

        return SQLiteCatalog(url)
    if url.startswith(("postgresql://", "postgres://")):
        from storage.catalog.postgis import PostGISCatalog

        return PostGISCatalog(url)
    raise ConfigError("database URL must start with sqlite:/// or postgresql://")
