"""The 12 Futian sample buildings published for analysis tests, and points near them.

Building ``i`` is a 20 m square (``#0`` with a courtyard) of height ``10 + i`` m, in a
4 × 3 grid at 40 m spacing (EPSG:4547 metres from its south-west corner).
"""

from __future__ import annotations

from pyproj import Transformer

from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from tests.twin.footprint_samples import sample_frame
from twin.pipeline.publish_buildings import publish_buildings
from twin.readers.footprints import HeightRule, load_footprints
from twin.settings import TilingSettings

LAYER = "futian"
_TO_LONLAT = Transformer.from_crs("EPSG:4547", "EPSG:4326", always_xy=True)


def publish_futian(store: ObjectStore, catalog: Catalog, layer: str = LAYER) -> None:
    fps = load_footprints(
        sample_frame("EPSG:4547", n=12),
        layer=layer,
        rule=HeightRule(field="height"),
        id_field="bid",
    )
    publish_buildings(fps, store=store, catalog=catalog, client=None, tiling=TilingSettings())


def grid_point(x: float, y: float, h: float) -> list[float]:
    """[lon, lat, h] of a point ``x`` m east and ``y`` m north of building #0's SW corner."""
    x0, y0, _, _ = sample_frame("EPSG:4547", n=12).geometry.iloc[0].bounds
    lon, lat = _TO_LONLAT.transform(x0 + x, y0 + y)
    return [float(lon), float(lat), h]
