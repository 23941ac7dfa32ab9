"""Everything a worker needs to build any tile of a layer, shipped to each worker once.

Tasks then carry only a tile address and the indices of its features, so a
cluster of worker processes (or a remote cluster) does the slicing, extrusion,
encoding and writing itself while the main process loads the catalog.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
import pandas as pd

from storage.objects.protocol import ObjectStore
from tiles.build_tile import TileResult, TileTask, build_tile
from tiles.gltf import PropertyColumn, PropertyTable
from tiles.layout import PlacedFootprints
from twin.domain import AttributeType


@dataclass(frozen=True)
class TileSource:
    placed: PlacedFootprints  # without lon/lat geometries (workers do not need them)
    feature_ids: npt.NDArray[np.object_]
    attributes: pd.DataFrame
    schema: dict[str, AttributeType]
    class_name: str = "building"

    @cached_property
    def _values(self) -> dict[str, npt.NDArray[np.object_]]:
        """Each attribute as Python values, None for no data; made once per worker."""
        out: dict[str, npt.NDArray[np.object_]] = {}
        for name in self.schema:
            col = self.attributes[name]
            out[name] = col.astype(object).where(col.notna(), None).to_numpy(dtype=object)
        return out

    def table(self, idx: npt.NDArray[np.int64]) -> PropertyTable:
        columns: dict[str, PropertyColumn] = {
            "id": PropertyColumn("string", self.feature_ids[idx].tolist())
        }
        values = self._values
        for name, kind in self.schema.items():
            columns[name] = PropertyColumn(kind, values[name][idx].tolist())
        return PropertyTable(class_name=self.class_name, columns=columns, count=len(idx))


@dataclass(frozen=True)
class TileJob:
    """One tile to build: its object key and the (sorted) indices of its features."""

    key: str
    features: npt.NDArray[np.int64]


def build_source_tile(
    source: TileSource, key: str, idx: npt.NDArray[np.int64], store: ObjectStore, gzip_level: int
) -> TileResult:
    task = TileTask(
        key=key,
        footprints=source.placed.footprints(idx),
        table=source.table(idx),
        gzip_level=gzip_level,
    )
    return build_tile(task, store)
