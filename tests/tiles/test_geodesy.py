from __future__ import annotations

import numpy as np
import pyproj
import pytest

from tiles.geodesy import EnuFrame, ecef_to_geodetic, geodetic_to_ecef


def test_ecef_to_geodetic_inverts_geodetic_to_ecef_everywhere() -> None:
    rng = np.random.default_rng(7)
    lon = rng.uniform(-180, 180, 20_000)
    lat = rng.uniform(-90, 90, 20_000)
    h = rng.uniform(-500, 20_000, 20_000)
    lat[:3] = [90.0, -90.0, 0.0]  # poles and the equator
    got_lon, got_lat, got_h = ecef_to_geodetic(geodetic_to_ecef(lon, lat, h))
    east_error_m = np.abs((got_lon - lon + 180) % 360 - 180) * np.cos(np.radians(lat)) * 111e3
    assert east_error_m.max() < 1e-6
    assert np.abs(got_lat - lat).max() * 111e3 < 1e-6
    assert np.abs(got_h - h).max() < 1e-6


def test_ecef_to_geodetic_agrees_with_proj() -> None:
    rng = np.random.default_rng(11)
    ecef = geodetic_to_ecef(
        rng.uniform(-180, 180, 1000), rng.uniform(-89, 89, 1000), rng.uniform(0, 3000, 1000)
    )
    lon, lat, h = ecef_to_geodetic(ecef)
    to_geodetic = pyproj.Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True)
    p_lon, p_lat, p_h = to_geodetic.transform(ecef[:, 0], ecef[:, 1], ecef[:, 2])
    assert np.abs(lon - p_lon).max() < 1e-9
    assert np.abs(lat - p_lat).max() < 1e-9
    assert np.abs(h - p_h).max() < 1e-4


def test_ecef_to_geodetic_takes_n_by_3_and_returns_three_columns() -> None:
    frame = EnuFrame(114.05, 22.54, 30.0)
    lon, lat, h = ecef_to_geodetic(frame.origin_ecef.reshape(1, 3))
    assert lon.shape == lat.shape == h.shape == (1,)
    assert (lon[0], lat[0]) == pytest.approx((114.05, 22.54), abs=1e-12)
    assert h[0] == pytest.approx(30.0, abs=1e-6)
