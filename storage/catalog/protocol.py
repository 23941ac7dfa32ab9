"""The catalog protocol: layers, their published versions and their features.

Publishing is versioned: features are loaded under a new version number while
readers still see the current one; ``publish_version`` switches the layer to the
new version in one transaction and removes the rows of older versions.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any, Protocol

from twin.domain import (
    AttributeType,
    BBox,
    FeaturePage,
    FeatureQuery,
    FeatureRecord,
    FeatureRows,
    LayerRecord,
)


class Catalog(Protocol):
    url: str

    def migrate(self) -> list[str]:
        """Apply pending migrations; return the names applied (empty when up to date)."""
        ...

    def close(self) -> None: ...

    def ping(self) -> None:
        """Raise ``BackendUnavailableError`` when the catalog cannot be reached."""
        ...

    #: DB-API parameter style of ``transaction()`` connections: "qmark" or "format"
    paramstyle: str

    def transaction(self) -> AbstractContextManager[Any]:
        """A write transaction on the catalog's database for stores that share it
        (``storage.submissions``): yields a connection with ``execute(sql, params)``;
        commits on success, rolls back on error; backend errors become ``TwinError``s."""
        ...

    # layers -----------------------------------------------------------------
    def ensure_layer(self, layer_id: str, *, kind: str, title: str, crs: str) -> None:
        """Create the layer if absent; update kind/title/crs if present."""
        ...

    def get_layer(self, layer_id: str) -> LayerRecord:
        """Raise ``LayerNotFoundError`` when absent."""
        ...

    def list_layers(self) -> list[LayerRecord]: ...

    def delete_layer(self, layer_id: str) -> None: ...

    # versions ---------------------------------------------------------------
    def begin_version(self, layer_id: str) -> int:
        """Reserve the next version number of the layer (status 'building')."""
        ...

    def add_features(self, layer_id: str, version: int, rows: FeatureRows) -> None:
        """Bulk-load rows of a version that is still building (invisible to queries)."""
        ...

    def publish_version(
        self,
        layer_id: str,
        version: int,
        *,
        tileset_key: str,
        bbox: BBox,
        zmin: float,
        zmax: float,
        attribute_schema: Mapping[str, AttributeType],
        metadata: Mapping[str, Any] | None = None,
    ) -> int | None:
        """Make ``version`` current atomically; return the previous current version.

        ``metadata`` (a JSON object) replaces the layer's metadata.
        """
        ...

    def abandon_version(self, layer_id: str, version: int) -> None:
        """Mark a building version failed and drop its rows."""
        ...

    def stale_versions(self, layer_id: str) -> list[int]:
        """Versions that are neither current nor building (or building but abandoned)."""
        ...

    # features ---------------------------------------------------------------
    def get_feature(self, feature_id: str, layer: str | None = None) -> FeatureRecord:
        """Look up a feature in the current version of ``layer``, or of any layer (the most
        recently published one holding it: versions of a BIM submission share GlobalIds);
        ``FeatureNotFoundError``."""
        ...

    def query_features(self, query: FeatureQuery) -> FeaturePage: ...
