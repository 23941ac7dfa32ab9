"""The spatial catalog of twin: layers, their versions and their features.

Two backends implement ``storage.catalog.protocol.Catalog``:
``storage.catalog.sqlite.SQLiteCatalog`` (embedded, R*Tree + shapely) and
``storage.catalog.postgis.PostGISCatalog`` (PostgreSQL + PostGIS). Build one
with ``storage.factory.open_catalog(settings)``; apply the schema with
``migrate()``.
"""

from storage.catalog.protocol import Catalog

__all__ = ["Catalog"]
