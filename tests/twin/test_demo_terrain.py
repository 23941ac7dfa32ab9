"""The demo terrain: a GeoTIFF DEM with a ridge in the north, a lake in the park, a flat city."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
import rasterio.features
import shapely

from twin.demo.terrain import DemInfo, dem_heights, write_demo_dem
from twin.demo_city import demo_city_open_space, generate_demo_city

N, CELL = 800, 20.0


@pytest.fixture(scope="module")
def dem(tmp_path_factory: pytest.TempPathFactory) -> DemInfo:
    return write_demo_dem(tmp_path_factory.mktemp("dem") / "dem.tif", N, cell_m=CELL)


def _read(info: DemInfo) -> np.ma.MaskedArray[Any, Any]:
    with rasterio.open(info.path) as src:
        band: np.ma.MaskedArray[Any, Any] = src.read(1, masked=True)
    return band


def test_the_dem_opens_in_epsg_4547_with_the_reported_grid(dem: DemInfo) -> None:
    with rasterio.open(dem.path) as src:
        assert src.crs.to_epsg() == 4547
        assert src.dtypes[0] == "float32"
        assert (src.height, src.width) == dem.shape
        assert tuple(src.bounds) == pytest.approx(dem.bounds)
        assert src.res == (CELL, CELL)
        assert src.nodata == dem.nodata


def test_the_same_arguments_write_the_same_file(dem: DemInfo, tmp_path: Path) -> None:
    again = write_demo_dem(tmp_path / "again.tif", N, cell_m=CELL)
    assert again.path.read_bytes() == dem.path.read_bytes()
    other = write_demo_dem(tmp_path / "other.tif", N, seed=7, cell_m=CELL)
    assert not np.array_equal(_read(other).filled(0), _read(dem).filled(0))


def test_the_dem_covers_every_building_with_a_margin(dem: DemInfo) -> None:
    x0, y0, x1, y1 = generate_demo_city(N).total_bounds
    assert dem.bounds[0] < x0 - 400 and dem.bounds[1] < y0 - 400
    assert dem.bounds[2] > x1 + 400 and dem.bounds[3] > y1 + 1000


def test_a_high_ridge_runs_along_the_north_edge(dem: DemInfo) -> None:
    z = _read(dem)
    rows = z.shape[0]
    north, south = z[: rows // 4], z[rows // 2 :]
    assert 150.0 <= dem.ridge_crest_m <= 350.0
    assert float(north.max()) == pytest.approx(dem.ridge_crest_m)
    assert float(np.median(north.max(axis=0).filled(0.0))) > 150.0  # a ridge, not a lone peak
    assert float(south.min()) >= 0.0 and float(south.max()) <= 8.0
    # realistic hillsides: steep in places, but no cliffs
    gy, gx = np.gradient(z.filled(np.nan)[: rows // 3], CELL)
    slope = np.degrees(np.arctan(np.hypot(gx, gy)))
    assert 15.0 < np.nanmax(slope) < 60.0


def test_the_lake_is_flat_at_its_level_and_below_its_banks(dem: DemInfo) -> None:
    z = _read(dem)
    with rasterio.open(dem.path) as src:
        water = rasterio.features.rasterize([dem.lake], out_shape=z.shape, transform=src.transform)
        bank = rasterio.features.rasterize(
            [dem.lake.buffer(3 * CELL).difference(dem.lake.buffer(CELL))],
            out_shape=z.shape,
            transform=src.transform,
        )
    assert water.sum() >= 20
    assert np.all(z[water == 1] == np.float32(dem.lake_level))
    # a basin: the banks rise above the water all round, except where the river leaves it
    assert float(np.mean(z[bank == 1] > dem.lake_level)) > 0.75


def test_the_lake_lies_in_open_space_away_from_every_building(dem: DemInfo) -> None:
    assert shapely.contains(demo_city_open_space(N), dem.lake)
    assert not shapely.intersects(dem.lake, generate_demo_city(N).geometry.values).any()


def test_no_building_stands_on_steep_ground(dem: DemInfo) -> None:
    z = _read(dem)
    with rasterio.open(dem.path) as src:
        under = rasterio.features.rasterize(
            generate_demo_city(N).geometry.values, out_shape=z.shape, transform=src.transform
        )
    gy, gx = np.gradient(z.filled(np.nan), CELL)
    slope = np.degrees(np.arctan(np.hypot(gx, gy)))[under == 1]
    assert under.sum() > 500
    assert np.isfinite(slope).all() and float(slope.max()) < 5.0
    assert float(z[under == 1].max()) <= 8.0


def test_a_corner_of_the_dem_has_no_data(dem: DemInfo) -> None:
    z = _read(dem)
    mask = np.ma.getmaskarray(z)
    assert mask[-1, -1] and not mask[0, 0] and not mask[z.shape[0] // 2, z.shape[1] // 2]
    assert 0 < mask.sum() < 0.02 * z.size


def test_heights_are_read_back_bilinearly_from_the_file(dem: DemInfo) -> None:
    heights = dem_heights(dem.path)
    z = _read(dem)
    x = dem.bounds[0] + (np.array([10, 40]) + 0.5) * CELL
    y = dem.bounds[3] - (np.array([5, 30]) + 0.5) * CELL
    assert heights(x, y) == pytest.approx([z[5, 10], z[30, 40]], abs=1e-4)
    mid = heights(np.array([x[0] + CELL / 2]), np.array([y[0]]))
    assert mid[0] == pytest.approx((z[5, 10] + z[5, 11]) / 2, abs=1e-4)
    far = heights(np.array([dem.bounds[0] - 100.0]), np.array([y[0]]))
    assert math.isnan(far[0])
