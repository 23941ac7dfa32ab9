"""Terrain heights at lon/lat (bilinear, NaN outside / at nodata) and buildings set on them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from pyproj import CRS, Transformer

from twin.readers.dem import Dem, read_dem
from twin.readers.footprints import FootprintSet
from twin.terrain_height import TerrainHeight, clamp_footprints, clamp_to_terrain

UTM = CRS.from_epsg(32632)
#: 10 m cells, top-left corner at (500000, 5000040): sample (r, c) at (500005 + 10c, 5000035 - 10r)
TRANSFORM = (10.0, 0.0, 500_000.0, 0.0, -10.0, 5_000_040.0)
HEIGHTS = np.array(
    [[100.0, 110.0, 120.0], [130.0, 150.0, np.nan], [160.0, 170.0, 180.0], [190.0, 200.0, 210.0]],
    dtype=np.float32,
)


def _small() -> TerrainHeight:
    return TerrainHeight(Dem("small", HEIGHTS, TRANSFORM, UTM))


def _lonlat(x: list[float], y: list[float]) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = Transformer.from_crs(UTM, 4326, always_xy=True).transform(x, y)
    return np.asarray(lon), np.asarray(lat)


def test_heights_at_pixel_centres_match_the_rasterio_samples(shared_data: Path) -> None:
    path = shared_data / "terrain/titiler-dem.tif"
    terrain = TerrainHeight(read_dem(path))
    rng = np.random.default_rng(7)
    rows, cols = rng.integers(0, 400, 50), rng.integers(0, 400, 50)
    with rasterio.open(path) as src:
        xs, ys = rasterio.transform.xy(src.transform, rows, cols)  # pixel centres
        expected = np.array([v[0] for v in src.sample(list(zip(xs, ys, strict=True)))])
    lon, lat = Transformer.from_crs(2056, 4326, always_xy=True).transform(xs, ys)
    got = terrain.height_at(np.asarray(lon), np.asarray(lat))
    assert np.abs(got - expected).max() < 0.01


def test_heights_between_samples_are_bilinear() -> None:
    terrain = _small()
    # a quarter of the way from sample (2, 0) to (2, 1) and half-way down to row 3
    lon, lat = _lonlat([500_005.0 + 2.5, 500_010.0], [5_000_015.0 - 5.0, 5_000_015.0])
    h = terrain.height_at(lon, lat)
    top = 160 + 0.25 * (170 - 160)
    bottom = 190 + 0.25 * (200 - 190)
    assert h[0] == pytest.approx(0.5 * top + 0.5 * bottom, abs=1e-4)
    assert h[1] == pytest.approx((160 + 170) / 2, abs=1e-4)


def test_heights_are_nan_outside_the_dem_and_next_to_nodata() -> None:
    terrain = _small()
    lon, lat = _lonlat(
        [499_990.0, 500_020.0, 500_001.0, 500_023.0],
        [5_000_000.0, 5_000_030.0, 5_000_039.0, 5_000_020.0],
    )
    h = terrain.height_at(lon, lat)
    assert np.isnan(h[0])  # west of the raster
    assert np.isnan(h[1])  # its cell touches the nodata sample (1, 2)
    assert h[2] == pytest.approx(100.0, abs=1e-3)  # inside the top-left pixel, clamped to it
    assert np.isnan(h[3])  # between samples (1, 2) and (2, 2): nodata in the mix
    assert terrain.height_at(np.array([[0.0]]), np.array([[0.0]])).shape == (1, 1)


def _footprints(geoms: list[shapely.Geometry], base: list[float]) -> FootprintSet:
    n = len(geoms)
    return FootprintSet(
        layer="b",
        crs=UTM,
        source_ids=np.array([f"b{i}" for i in range(n)], dtype=object),
        geometries=np.array(geoms, dtype=object),
        base=np.array(base, dtype=np.float64),
        top=np.array(base, dtype=np.float64) + 12.0,
        attributes=pd.DataFrame(index=range(n)),
    )


def test_buildings_stand_on_the_lowest_terrain_under_their_vertices_and_centroid() -> None:
    inside = shapely.box(500_006.0, 5_000_006.0, 500_014.0, 5_000_014.0)  # rows 2-3, cols 0-1
    outside = shapely.box(600_000.0, 5_000_000.0, 600_010.0, 5_000_010.0)
    fps = _footprints([inside, outside], [0.0, 3.0])
    result = clamp_footprints(fps, _small())
    assert (result.clamped, result.outside) == (1, 1)
    corners = shapely.get_coordinates(inside)
    lon, lat = _lonlat(list(corners[:, 0]), list(corners[:, 1]))
    lowest = float(np.min(_small().height_at(lon, lat)))
    # the lowest corner (500006, 5000014) is sample-space (row 2.1, col 0.1)
    hand = 0.9 * (0.9 * 160 + 0.1 * 170) + 0.1 * (0.9 * 190 + 0.1 * 200)
    assert lowest == pytest.approx(hand, abs=1e-3)
    out = result.footprints
    assert out.base[0] == pytest.approx(hand, abs=1e-3)
    assert out.top[0] - out.base[0] == pytest.approx(12.0)
    assert (out.base[1], out.top[1]) == (3.0, 15.0)
    assert clamp_to_terrain(fps, _small()).base[0] == pytest.approx(hand, abs=1e-3)
    assert fps.base[0] == 0.0  # the input is left as it was
