"""The LVMF threshold surface of a protected view corridor, checked against hand sums."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from tests.twin.analysis.scene_helpers import lonlath
from twin.analysis.corridor_threshold import (
    ClearanceThreshold,
    CorridorSpec,
    PlaneThreshold,
    corridor_polygon,
    threshold_height,
)
from twin.errors import InvalidInputError

R = 6_371_000.0

# LVMF view 2B.1: Parliament Hill (east of the summit) to the Palace of Westminster
PARLIAMENT_HILL = (-0.1524, 51.5595, 70.0)
PALACE = (-0.1246, 51.4994, 51.3)


def _ll(x: float, y: float) -> tuple[float, float]:
    """Lon/lat of the point (x, y) metres from the helpers' frame origin, on the ground."""
    p = lonlath((x, y, 0.0))[0]
    return float(p[0]), float(p[1])


def _flat_spec(**kw: object) -> CorridorSpec:
    """Eye 1.6 m over the frame origin (h 0), target 1000 m east, plane H = 50, no curvature."""
    vp = (*_ll(0.0, 0.0), 0.0)
    target = (*_ll(1000.0, 0.0), 0.0)
    args: dict[str, object] = {
        "threshold": PlaneThreshold(50.0),
        "half_width_m": 50.0,
        "curvature": False,
    }
    args.update(kw)
    return CorridorSpec(vp, (target,), **args)  # type: ignore[arg-type]


def _at(spec: CorridorSpec, *xy: tuple[float, float]) -> np.ndarray:
    lon, lat = np.asarray([_ll(x, y) for x, y in xy]).T
    return threshold_height(spec, lon, lat)


def _scale(lat_deg: float) -> tuple[float, float]:
    """WGS84 metres per degree of longitude and of latitude at ``lat_deg``."""
    a, e2 = 6_378_137.0, 0.00669437999014
    s = math.sin(math.radians(lat_deg))
    n = a / math.sqrt(1 - e2 * s * s)
    m = a * (1 - e2) / (1 - e2 * s * s) ** 1.5
    return math.radians(1) * n * math.cos(math.radians(lat_deg)), math.radians(1) * m


def _metres(a: tuple[float, ...], b: tuple[float, ...]) -> tuple[float, float]:
    """(east, north) metres from ``a`` to ``b`` (a local equirectangular step)."""
    kx, ky = _scale((a[1] + b[1]) / 2)
    return (b[0] - a[0]) * kx, (b[1] - a[1]) * ky


def _distance(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    return math.hypot(*_metres(a, b))


def _offset(p: tuple[float, ...], east: float, north: float) -> tuple[float, float]:
    """(lon, lat) ``east``/``north`` metres from ``p``."""
    kx, ky = _scale(p[1])
    return p[0] + east / kx, p[1] + north / ky


def test_on_flat_ground_the_plane_halfway_to_the_target_is_at_the_mean_height() -> None:
    # eye 1.6 m, 50 m at 1000 m: at 500 m the plane is at 1.6 + 48.4 / 2 = 25.8 m
    h = _at(_flat_spec(), (0.0, 0.0), (500.0, 0.0), (500.0, 20.0), (1000.0, 0.0))
    assert h == pytest.approx([1.6, 25.8, 25.8, 50.0], abs=1e-3)


def test_curvature_lowers_the_plane_by_the_refracted_sag_between_eye_and_target() -> None:
    h = _at(_flat_spec(curvature=True), (500.0, 0.0), (250.0, 0.0))
    sag = (1 - 0.143) / (2 * R)
    assert h[0] == pytest.approx(25.8 - sag * 500 * 500, abs=1e-4)
    assert h[1] == pytest.approx(1.6 + 48.4 / 4 - sag * 250 * 750, abs=1e-4)


def test_the_lvmf_view_from_parliament_hill_slopes_from_the_eye_to_the_palace() -> None:
    spec = CorridorSpec(
        PARLIAMENT_HILL, (PALACE,), threshold=PlaneThreshold(51.3), half_width_m=110.0
    )
    d_total = _distance(PARLIAMENT_HILL, PALACE)
    assert 6_900 < d_total < 7_000
    mid = ((PARLIAMENT_HILL[0] + PALACE[0]) / 2, (PARLIAMENT_HILL[1] + PALACE[1]) / 2)
    # the sight line halfway sags 0.0673 m per km² of (D/2)² below the mean of the two ends
    expected_mid = (71.6 + 51.3) / 2 - (1 - 0.143) * (d_total / 2) ** 2 / (2 * R)
    assert (71.6 + 51.3) / 2 - expected_mid == pytest.approx(0.0673 * (d_total / 2000) ** 2, 1e-3)
    lon = np.array([PARLIAMENT_HILL[0], mid[0], PALACE[0]])
    lat = np.array([PARLIAMENT_HILL[1], mid[1], PALACE[1]])
    h = threshold_height(spec, lon, lat)
    assert h == pytest.approx([71.6, expected_mid, 51.3], abs=0.01)


def test_points_outside_the_220_m_wide_lvmf_corridor_have_no_threshold() -> None:
    spec = CorridorSpec(
        PARLIAMENT_HILL, (PALACE,), threshold=PlaneThreshold(51.3), half_width_m=110.0
    )
    de, dn = _metres(PARLIAMENT_HILL, PALACE)
    n = math.hypot(de, dn)
    ue, un = de / n, dn / n  # along the view
    pe, pn = -un, ue  # across it
    # 5 m before the Palace the corridor is 220 * (1 - 5 / D) = 219.84 m wide
    near = _offset(PALACE, -5 * ue, -5 * un)
    near_p = (*near, 0.0)
    mid = ((PARLIAMENT_HILL[0] + PALACE[0]) / 2, (PARLIAMENT_HILL[1] + PALACE[1]) / 2, 0.0)
    points = [
        _offset(near_p, 105 * pe, 105 * pn),  # inside, near the edges at the Palace
        _offset(near_p, -105 * pe, -105 * pn),
        _offset(near_p, 115 * pe, 115 * pn),  # outside: the corridor is 220 m wide there
        _offset(near_p, -115 * pe, -115 * pn),
        _offset(mid, 50 * pe, 50 * pn),  # halfway the corridor is 110 m wide
        _offset(mid, 60 * pe, 60 * pn),
        _offset(PALACE, 30 * ue, 30 * un),  # beyond the Palace
        _offset(PARLIAMENT_HILL, -30 * ue, -30 * un),  # behind the viewer
    ]
    lon, lat_ = np.asarray(points).T
    h = threshold_height(spec, lon, lat_)
    inside = np.isfinite(h)
    assert inside.tolist() == [True, True, False, False, True, False, False, False]
    assert h[:2] == pytest.approx([51.3, 51.3], abs=0.02)


def test_the_corridor_polygon_is_the_triangle_to_the_target_edges() -> None:
    spec = CorridorSpec(
        PARLIAMENT_HILL, (PALACE,), threshold=PlaneThreshold(51.3), half_width_m=110.0
    )
    poly = corridor_polygon(spec)
    assert isinstance(poly, shapely.Polygon)
    ring = list(poly.exterior.coords)[:-1]
    assert len(ring) == 3
    assert ring[0] == pytest.approx(PARLIAMENT_HILL[:2])
    assert _distance(ring[1], ring[2]) == pytest.approx(220.0, abs=0.5)
    assert poly.contains(shapely.Point(PALACE[0], PALACE[1] + 1e-5))


def test_a_clearance_threshold_is_the_sight_line_lowered_everywhere() -> None:
    spec = _flat_spec(threshold=ClearanceThreshold(5.0))
    vp, target = spec.viewpoint, spec.targets[0]
    spec = CorridorSpec(
        vp, ((target[0], target[1], 50.0),), threshold=ClearanceThreshold(5.0), curvature=False
    )
    h = _at(spec, (0.0, 0.0), (500.0, 0.0), (1000.0, 0.0))
    assert h == pytest.approx([1.6 - 5, 25.8 - 5, 50 - 5], abs=1e-3)


def test_two_targets_span_a_plane_through_the_eye_and_both_target_points() -> None:
    vp = (*_ll(0.0, 0.0), 0.0)
    left = (*_ll(1000.0, 200.0), 40.0)
    right = (*_ll(1000.0, -200.0), 60.0)
    spec = CorridorSpec(vp, (left, right), threshold=ClearanceThreshold(2.0), curvature=False)
    h = _at(spec, (1000.0, 200.0), (1000.0, -200.0), (1000.0, 0.0), (500.0, 50.0), (500, 150))
    # (500, 50): halfway out, a quarter of the way from left (y 100) to right (y -100)
    assert h[:4] == pytest.approx([38.0, 58.0, 48.0, 1.6 + 0.5 * (45 - 1.6) - 2], abs=1e-3)
    assert np.isnan(h[4])
    poly = corridor_polygon(spec)
    assert len(poly.exterior.coords) == 4


def test_each_wedge_of_a_fan_has_its_own_plane() -> None:
    vp = (*_ll(0.0, 0.0), 10.0)
    targets = (
        (*_ll(1000.0, 500.0), 0.0),
        (*_ll(1000.0, 0.0), 0.0),
        (*_ll(500.0, -500.0), 0.0),
    )
    spec = CorridorSpec(vp, targets, threshold=PlaneThreshold(30.0), curvature=False)
    # in the second wedge, on the line from the eye to (750, -250): halfway out
    h = _at(spec, (375.0, -125.0), (500.0, 100.0), (750.0, -250.0), (-10.0, 0.0))
    assert h[:3] == pytest.approx(
        [11.6 + 0.5 * (30 - 11.6), 11.6 + 0.5 * (30 - 11.6), 30], abs=1e-3
    )
    assert np.isnan(h[3])


@pytest.mark.parametrize(
    ("change", "word"),
    [
        ({"targets": ()}, "targets"),
        ({"targets": ((0.0, 0.0, 0.0),)}, "targets[0]"),
        ({"viewpoint": (math.nan, 0.0, 0.0)}, "viewpoint"),
        ({"viewpoint": (0.0, 95.0, 0.0)}, "viewpoint"),
        ({"half_width_m": 0.0}, "half_width_m"),
        ({"eye_height_m": -1.0}, "eye_height_m"),
        ({"refraction_k": 1.5}, "refraction_k"),
        ({"threshold": 50.0}, "threshold"),
        ({"targets": ((0.01, 0.0, 0.0), (0.02, 0.0, 0.0))}, "in line"),
        ({"targets": ((3.0, 0.0, 0.0),)}, "farther"),
    ],
)
def test_a_bad_corridor_is_refused_naming_the_field(change: dict[str, object], word: str) -> None:
    args: dict[str, object] = {
        "viewpoint": (0.0, 0.0, 0.0),
        "targets": ((0.01, 0.0, 0.0),),
        "threshold": PlaneThreshold(50.0),
    }
    args.update(change)
    with pytest.raises(InvalidInputError, match=word.replace("[", r"\[").replace("]", r"\]")):
        CorridorSpec(**args)  # type: ignore[arg-type]


def test_a_bad_threshold_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="target_height_m"):
        PlaneThreshold(math.inf)
    with pytest.raises(InvalidInputError, match="metres"):
        ClearanceThreshold(-1.0)
