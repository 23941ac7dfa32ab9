"""A published layer's triangles, read back from its tiles, stand where the catalog says."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pyproj import Transformer

from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from tests.twin.footprint_samples import sample_frame
from tests.twin.test_publish_streets import street_sample
from tiles.geodesy import ecef_to_geodetic
from tiles.partition import PartitionLimits
from twin.analysis.layer_mesh import load_layer_mesh
from twin.errors import InvalidInputError
from twin.pipeline.publish_buildings import publish_buildings
from twin.pipeline.publish_streets import publish_streets
from twin.pipeline.publish_terrain import publish_terrain
from twin.readers.dem import read_dem
from twin.readers.footprints import HeightRule, load_footprints
from twin.readers.streets import read_streets
from twin.settings import TilingSettings
from twin.terrain_height import TerrainHeight

Backends = tuple[ObjectStore, Catalog]


def _geodetic(vertices: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return ecef_to_geodetic(vertices)


def test_every_building_is_read_back_between_its_catalog_base_and_top(backends: Backends) -> None:
    store, catalog = backends
    fps = load_footprints(
        sample_frame("EPSG:4547", n=12),
        layer="futian",
        rule=HeightRule(field="height"),
        id_field="bid",
    )
    publish_buildings(fps, store=store, catalog=catalog, client=None, tiling=TilingSettings())
    mesh = load_layer_mesh(store, catalog, "futian")
    assert mesh.kind == "buildings" and mesh.version == catalog.get_layer("futian").version
    assert sorted(mesh.feature_ids) == sorted(f"futian:B{i:03d}" for i in range(12))
    lon, lat, h = _geodetic(mesh.vertices)
    for index, fid in enumerate(mesh.feature_ids):
        record = catalog.get_feature(fid, "futian")
        verts = np.unique(mesh.triangles[mesh.triangle_feature == index])
        assert h[verts].max() == pytest.approx(record.zmax, abs=0.05)
        assert h[verts].min() == pytest.approx(record.zmin, abs=0.05)
        w, s, e, n = record.bbox
        pad = 1e-6
        assert lon[verts].min() >= w - pad and lon[verts].max() <= e + pad
        assert lat[verts].min() >= s - pad and lat[verts].max() <= n + pad


def test_street_objects_are_instanced_at_their_points(backends: Backends, tmp_path: Path) -> None:
    store, catalog = backends
    src = street_sample(tmp_path / "street.gpkg")
    streets = read_streets(tmp_path / "street.gpkg", layer="street")
    publish_streets(streets, store=store, catalog=catalog, limits=PartitionLimits(max_features=60))
    mesh = load_layer_mesh(store, catalog, "street")
    lon, lat, _ = _geodetic(mesh.vertices)
    to_ll = Transformer.from_crs("EPSG:4547", "EPSG:4326", always_xy=True)
    checked = 0
    for fid_index, fid in enumerate(mesh.feature_ids):
        source_id = fid.split(":", 1)[1]
        if not source_id.isdigit():
            continue  # a street surface
        row = src.iloc[int(source_id) - 1]
        if row.geometry.geom_type != "Point":
            continue  # a street surface
        verts = np.unique(mesh.triangles[mesh.triangle_feature == fid_index])
        x0, y0 = to_ll.transform(row.geometry.x, row.geometry.y)
        east = (lon[verts].mean() - x0) * 111320 * np.cos(np.radians(y0))
        north = (lat[verts].mean() - y0) * 110540
        assert np.hypot(east, north) < max(float(row.crown_diameter), 3.0), fid
        checked += 1
    assert checked > 200


def test_terrain_is_read_from_its_finest_tiles_and_matches_the_dem(
    backends: Backends, shared_data: Path
) -> None:
    store, catalog = backends
    path = shared_data / "terrain/pysheds-dem.tif"  # GPL: read, never copied into the repo
    publish_terrain(read_dem(path), layer="texas", store=store, catalog=catalog, tile_cells=64)
    mesh = load_layer_mesh(store, catalog, "texas")
    heights = TerrainHeight.load(store, catalog, "texas")
    lon, lat, h = _geodetic(mesh.vertices)
    used = np.unique(mesh.triangles)
    top = h[used] > h[used].min() + 1.0  # skirts hang below the surface
    sample = used[top][:: max(1, int(top.sum()) // 2000)]
    dem = heights.height_at(lon[sample], lat[sample])
    ok = np.isfinite(dem)
    assert ok.mean() > 0.9
    assert np.median(np.abs(h[sample][ok] - dem[ok])) < 0.2


def test_a_layer_without_surfaces_is_refused_by_name(backends: Backends) -> None:
    store, catalog = backends
    catalog.ensure_layer("cloud", kind="pointcloud", title="cloud", crs="EPSG:4326")
    with pytest.raises(InvalidInputError, match="cloud"):
        load_layer_mesh(store, catalog, "cloud")
