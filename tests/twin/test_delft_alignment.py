"""The Delft footprints, the Delft CityJSON and the AHN3 scan, each ingested by twin,
land within 1 m of each other in geographic coordinates (the three cover the same blocks)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import shapely
from distributed import Client

from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from tests.twin.test_publish_pointcloud import _tile_points
from tiles.geodesy import ecef_to_geodetic
from twin.domain import FeatureQuery
from twin.pipeline.export_layer import export_layer
from twin.pipeline.publish_buildings import publish_buildings
from twin.pipeline.publish_citymodel import publish_citymodel, read_city_model
from twin.pipeline.publish_pointcloud import publish_pointcloud
from twin.readers.footprints import HeightRule, load_footprints, read_vector
from twin.readers.pointcloud import open_pointcloud, read_points
from twin.settings import TilingSettings

BUILDING = 6  # ASPRS class of the AHN3 building points


def _metres(lon0: float, lat0: float) -> float:
    """Metres per degree of longitude at ``lat0`` (latitude: 111,320 m per degree)."""
    return math.radians(1) * 6378137.0 * math.cos(math.radians(lat0))


def _local(geom: shapely.Geometry, lon0: float, lat0: float) -> shapely.Geometry:
    """lon/lat -> metres east/north of (lon0, lat0): fine for a 1 m check over 300 m."""
    kx, ky = _metres(lon0, lat0), math.radians(1) * 6378137.0
    return shapely.transform(
        geom, lambda c: np.column_stack([(c[:, 0] - lon0) * kx, (c[:, 1] - lat0) * ky])
    )


def test_footprints_cityjson_and_ahn3_scan_line_up_within_a_metre(
    shared_data: Path,
    backends: tuple[ObjectStore, Catalog],
    dask_client: Client,
    tmp_path: Path,
) -> None:
    store, catalog = backends
    delft = shared_data / "buildings" / "delft"
    fps = load_footprints(
        read_vector(delft / "bgt_pand.sqlite"),
        layer="bgt",
        rule=HeightRule(constant=10.0),
        id_field="identificatiebagpnd",
    )
    publish_buildings(
        fps, store=store, catalog=catalog, client=dask_client, tiling=TilingSettings()
    )
    publish_citymodel(
        read_city_model(delft / "delft.json"), layer="cj", store=store, catalog=catalog
    )
    head = open_pointcloud(shared_data / "pointcloud/ahn3_cropped_1.laz", "EPSG:28992")
    publish_pointcloud(head, read_points(head), layer="ahn3", store=store, catalog=catalog)

    def footprints(layer: str) -> dict[str, shapely.Geometry]:
        page = catalog.query_features(FeatureQuery(layer=layer, limit=10_000))
        return {f.id: shapely.from_wkb(f.footprint_wkb) for f in page.features}

    bgt = footprints("bgt")
    lon0, lat0 = shapely.centroid(shapely.union_all(list(bgt.values()))).coords[0]
    bgt_local = {k.removeprefix("bgt:"): _local(g, lon0, lat0) for k, g in bgt.items()}

    # 1. CityJSON buildings on the footprints: matched by BAG id, centroids within 1 m
    page = catalog.query_features(FeatureQuery(layer="cj", limit=10_000))
    matched = 0
    for f in page.features:
        bag = str(f.attributes.get("identificatiebagpnd"))
        if bag in bgt_local:
            ours = _local(shapely.from_wkb(f.footprint_wkb), lon0, lat0)
            assert shapely.distance(ours.centroid, bgt_local[bag].centroid) < 1.0, bag
            matched += 1
    assert matched >= 150

    # 2. the scan's building points sit on the footprints: the shift of the scan that puts
    # most of them inside a footprint is zero, give or take the 0.5 m search step (the crop
    # also holds buildings the footprint file leaves out, so not every point finds one)
    out = export_layer("ahn3", tmp_path / "ahn3", store=store, catalog=catalog)
    points = _tile_points(out.tileset)
    roofs = points["ecef"][points["class"] == BUILDING]
    lon, lat, _ = ecef_to_geodetic(roofs)
    kx, ky = _metres(lon0, lat0), math.radians(1) * 6378137.0
    xy = np.column_stack([(lon - lon0) * kx, (lat - lat0) * ky])
    shapes = shapely.union_all(list(bgt_local.values()))
    shapely.prepare(shapes)
    inside = shapely.contains_xy(shapely.envelope(shapes).buffer(-5.0), xy[:, 0], xy[:, 1])
    sample = xy[inside][:: max(1, int(inside.sum()) // 20_000)]
    assert len(sample) > 10_000
    steps = np.arange(-2.0, 2.01, 0.5)
    share = {
        (dx, dy): float(shapely.contains_xy(shapes, sample[:, 0] + dx, sample[:, 1] + dy).mean())
        for dx in steps
        for dy in steps
    }
    best = max(share, key=share.__getitem__)
    assert math.hypot(*best) <= 0.71, (best, share[best], share[(0.0, 0.0)])
    assert share[(0.0, 0.0)] > max(share[(2.0, 0.0)], share[(0.0, 2.0)], share[(-2.0, -2.0)])
