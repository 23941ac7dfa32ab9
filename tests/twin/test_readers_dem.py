"""Reading GeoTIFF DEMs: CRS, transform, nodata as NaN, offsets, refusal without a CRS."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio

from twin.errors import CRSError, InvalidInputError
from twin.readers.dem import dem_from_header, read_dem


def _without_crs(source: Path, target: Path) -> Path:
    with rasterio.open(source) as src:
        data = src.read(1)
        profile = src.profile
    profile.update(crs=None)
    with rasterio.open(target, "w", **profile) as dst:
        dst.write(data, 1)
    return target


def test_a_swiss_dem_reads_with_its_crs_transform_and_heights(shared_data: Path) -> None:
    path = shared_data / "terrain/titiler-dem.tif"
    dem = read_dem(path)
    with rasterio.open(path) as src:
        expected = src.read(1, masked=True)
        transform = src.transform
    assert dem.shape == (400, 400)
    assert dem.crs.to_epsg() == 2056
    assert dem.transform == tuple(transform)[:6]
    assert dem.cell_size == (2.5, 2.5)
    assert np.nanmin(dem.heights) == pytest.approx(float(expected.min()))
    assert np.nanmax(dem.heights) == pytest.approx(float(expected.max()))
    x, y = dem.xy([0], [0])
    assert (x[0], y[0]) == (2573001.25, 1085998.75)  # the centre of the top-left pixel


def test_an_int16_dem_in_degrees_turns_its_nodata_into_nan(
    shared_data: Path, tmp_path: Path
) -> None:
    source = shared_data / "terrain/pysheds-dem.tif"  # GPL: read here, never copied
    dem = read_dem(source)
    assert dem.crs.to_epsg() == 4326 and dem.heights.dtype == np.float32
    assert np.isfinite(dem.heights).all()
    with rasterio.open(source) as src:
        data, profile = src.read(1), src.profile
    data[10:20, 30:45] = profile["nodata"]
    holed = tmp_path / "holed.tif"
    with rasterio.open(holed, "w", **profile) as dst:
        dst.write(data, 1)
    read = read_dem(holed)
    assert np.isnan(read.heights).sum() == 10 * 15
    assert np.isnan(read.heights[10:20, 30:45]).all()


def test_a_dem_without_crs_is_refused_with_a_hint_to_use_the_crs_option(
    shared_data: Path, tmp_path: Path
) -> None:
    bare = _without_crs(shared_data / "terrain/titiler-dem.tif", tmp_path / "bare.tif")
    with pytest.raises(CRSError, match="--crs"):
        read_dem(bare)
    dem = read_dem(bare, crs_text="EPSG:2056")
    assert dem.crs.to_epsg() == 2056


def test_the_vertical_offset_is_added_to_every_height(shared_data: Path) -> None:
    path = shared_data / "terrain/titiler-dem.tif"
    plain = read_dem(path)
    lifted = read_dem(path, vertical_offset=-48.5)
    assert np.allclose(lifted.heights, plain.heights - 48.5, atol=1e-3)
    with pytest.raises(InvalidInputError):
        read_dem(path, vertical_offset=float("nan"))


def test_the_header_and_heights_rebuild_the_same_grid(shared_data: Path) -> None:
    dem = read_dem(shared_data / "terrain/titiler-dem.tif", vertical_offset=2.0)
    again = dem_from_header(dem.header(), dem.heights.copy())
    assert again.transform == dem.transform and again.crs == dem.crs
    assert again.vertical_offset == 2.0 and np.array_equal(again.heights, dem.heights)


def test_a_missing_or_non_raster_file_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="not found"):
        read_dem(tmp_path / "nope.tif")
    junk = tmp_path / "junk.tif"
    junk.write_bytes(b"not a tiff at all")
    with pytest.raises(InvalidInputError, match="not a raster"):
        read_dem(junk)
