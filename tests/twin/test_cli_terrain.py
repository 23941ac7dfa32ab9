"""``twin ingest terrain`` and buildings stood on it with ``--terrain``, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely

from storage.factory import open_catalog
from tests.twin.test_cli import twin
from twin.domain import FeatureQuery
from twin.settings import Settings


def test_buildings_ingested_over_a_terrain_layer_stand_on_the_ground(
    settings: Settings, shared_data: Path, tmp_path: Path
) -> None:
    dem = shared_data / "terrain/titiler-dem.tif"
    done = twin(settings, "ingest", "terrain", str(dem), "--layer", "dem", "--no-progress")
    assert "dem" in done.stdout
    # three 20 m houses inside the DEM (EPSG:2056, 2573000-2574000 / 1085000-1086000) and one
    # far outside it
    corners = [(2573300.0, 1085300.0), (2573500.0, 1085600.0), (2573800.0, 1085200.0)]
    houses = [shapely.box(x, y, x + 20, y + 20) for x, y in corners]
    houses.append(shapely.box(2590000.0, 1090000.0, 2590020.0, 1090020.0))
    frame = gpd.GeoDataFrame({"hid": ["a", "b", "c", "away"]}, geometry=houses, crs=2056)
    source = tmp_path / "houses.geojson"
    frame.to_file(source)
    out = twin(
        settings,
        "ingest", "buildings", str(source), "--layer", "houses", "--height", "10",
        "--id-field", "hid", "--terrain", "dem", "--no-progress",
    )  # fmt: skip
    assert "1 of 4 buildings are outside terrain dem" in out.stderr
    catalog = open_catalog(settings)
    try:
        rows = {
            f.id: f for f in catalog.query_features(FeatureQuery(layer="houses", limit=10)).features
        }
    finally:
        catalog.close()
    with rasterio.open(dem) as src:
        for (x, y), hid in zip(corners, "abc", strict=True):
            xs = np.linspace(x, x + 20, 5)
            ground = np.array([v[0] for v in src.sample([(a, b) for a in xs for b in xs + y - x])])
            row = rows[f"houses:{hid}"]
            # the base is the lowest ground under the house (sampled more coarsely here)
            assert ground.min() - 1.0 <= row.zmin <= ground.min() + 0.5, (hid, row.zmin, ground)
            assert abs(row.zmax - row.zmin - 10.0) < 1e-6
    assert rows["houses:away"].zmin == 0.0


def test_a_dem_without_a_crs_is_refused_and_names_the_option(
    settings: Settings, shared_data: Path, tmp_path: Path
) -> None:
    with rasterio.open(shared_data / "terrain/titiler-dem.tif") as src:
        profile = src.profile
        data = src.read(1)
    profile.pop("crs", None)
    bare = tmp_path / "bare.tif"
    with rasterio.open(bare, "w", **profile) as dst:
        dst.write(data, 1)
    failed = twin(settings, "ingest", "terrain", str(bare), "--layer", "bare", check=False)
    assert failed.returncode == 2 and "--crs" in failed.stderr
    layers = json.loads(twin(settings, "layers", "--json").stdout)
    assert [lyr["id"] for lyr in layers if lyr["id"] == "bare" and lyr["version"]] == []
