"""LAS/LAZ headers, CRS checks and chunked reading (../shared/data/pointcloud)."""

from __future__ import annotations

from pathlib import Path

import laspy
import numpy as np
import pytest
from pyproj import CRS

from tiles.geodesy import ecef_to_geodetic
from twin.errors import CRSError, IngestError
from twin.readers.pointcloud import open_pointcloud, read_points


def _relabelled(src: Path, out: Path, crs: str, *, scale_rgb: int = 1) -> Path:
    """A copy of ``src`` whose header declares ``crs`` (and optionally wider colours)."""
    las = laspy.read(src)
    las.header.vlrs.clear()
    las.header.add_crs(CRS.from_user_input(crs))
    if scale_rgb != 1:
        for name in ("red", "green", "blue"):
            las[name] = las[name].astype(np.uint32) * scale_rgb
    las.write(out)
    return out


def test_a_file_without_a_crs_needs_the_crs_flag(shared_data: Path) -> None:
    with pytest.raises(CRSError, match="--crs"):
        open_pointcloud(shared_data / "pointcloud" / "ahn3_cropped_1.laz")
    head = open_pointcloud(shared_data / "pointcloud" / "ahn3_cropped_1.laz", "EPSG:28992")
    assert head.crs_label == "EPSG:28992" and head.crs_source == "cli"
    assert head.point_count == 640_510 and not head.has_rgb


def test_the_header_crs_is_read_from_geotiff_keys_and_from_wkt(shared_data: Path) -> None:
    utm = open_pointcloud(shared_data / "pointcloud" / "autzen-utm.las")
    assert utm.crs_label == "EPSG:26910" and utm.crs_source == "header"
    trim = open_pointcloud(shared_data / "pointcloud" / "autzen_trim.laz")
    assert trim.crs.is_projected and trim.crs_source == "header"
    assert trim.z_factor == pytest.approx(0.3048)  # Oregon Lambert in international feet
    # both files show the same stadium: their frames lie within 2 km of each other
    assert abs(utm.frame.lat - trim.frame.lat) < 0.02 and abs(utm.frame.lon - trim.frame.lon) < 0.02


def test_a_geographic_label_on_projected_metres_is_an_error_unless_crs_overrides_it(
    shared_data: Path, tmp_path: Path
) -> None:
    bad = _relabelled(
        shared_data / "pointcloud" / "autzen-utm.las", tmp_path / "b.las", "EPSG:4326"
    )
    with pytest.raises(CRSError, match=r"geographic.*--crs"):
        open_pointcloud(bad)
    head = open_pointcloud(bad, "EPSG:26910")
    assert head.crs_label == "EPSG:26910"
    assert any("ignored" in w for w in head.warnings)


def test_a_geocentric_label_and_coordinates_outside_the_area_of_use_are_errors(
    shared_data: Path, tmp_path: Path
) -> None:
    bad = _relabelled(
        shared_data / "pointcloud" / "autzen-utm.las", tmp_path / "g.las", "EPSG:4978"
    )
    with pytest.raises(CRSError, match="geocentric"):
        open_pointcloud(bad)
    with pytest.raises(CRSError, match="area of use"):  # Oregon metres read as Dutch RD
        open_pointcloud(shared_data / "pointcloud" / "autzen-utm.las", "EPSG:28992")


@pytest.mark.parametrize("name", ["autzen-utm.las", "ahn3_cropped_1.laz", "autzen_trim.laz"])
def test_a_truncated_file_is_an_ingest_error(shared_data: Path, tmp_path: Path, name: str) -> None:
    data = (shared_data / "pointcloud" / name).read_bytes()
    cut = tmp_path / name
    cut.write_bytes(data[: len(data) // 2])
    head = open_pointcloud(cut, "EPSG:28992" if name.startswith("ahn3") else None)
    with pytest.raises(IngestError, match="truncated"):
        read_points(head, chunk_points=50_000)


def test_chunked_reading_keeps_every_point_and_scales_feet_to_metres(shared_data: Path) -> None:
    path = shared_data / "pointcloud" / "autzen_trim.laz"
    head = open_pointcloud(path)
    small = read_points(head, chunk_points=7_000)
    whole = read_points(head)
    las = laspy.read(path)
    assert len(small) == len(las.points) == 110_000
    np.testing.assert_array_equal(small.positions, whole.positions)
    np.testing.assert_array_equal(small.intensity, np.asarray(las.intensity))
    np.testing.assert_array_equal(small.classification, np.asarray(las.classification))
    # heights: the ellipsoidal height of each point is its z in feet times 0.3048
    ecef = small.positions.astype(np.float64) @ head.frame.rotation + head.frame.origin_ecef
    _, _, h = ecef_to_geodetic(ecef)
    np.testing.assert_allclose(h, np.asarray(las.z) * 0.3048, atol=0.01)


def test_sixteen_bit_colours_are_scaled_and_eight_bit_ones_kept(
    shared_data: Path, tmp_path: Path
) -> None:
    src = shared_data / "pointcloud" / "autzen-utm.las"
    wide = _relabelled(src, tmp_path / "w.las", "EPSG:26910", scale_rgb=257)
    rows = np.arange(1065, dtype=np.int64)
    plain = read_points(open_pointcloud(src)).colors_8bit(rows)
    scaled = read_points(open_pointcloud(wide)).colors_8bit(rows)
    las = laspy.read(src)
    assert plain is not None and scaled is not None
    np.testing.assert_array_equal(plain, np.c_[las.red, las.green, las.blue])
    np.testing.assert_array_equal(scaled, plain)
