"""Sunshine hours at points among boxes on 大寒: open points see the whole window, shaded
ones none, and a point beside a tall wall sees the Sun once it has passed the wall's end."""

from __future__ import annotations

import time

import numpy as np
import pytest

from tests.twin.analysis.scene_helpers import Box, box_scene, lonlath
from twin.analysis.solar_terms import dahan_date
from twin.analysis.sun_path import sun_samples
from twin.analysis.sunlight import sunlight_at
from twin.errors import InvalidInputError

DAHAN = dahan_date(2025)
SOUTH, NORTH, EAST = (0.0, -1.0, 0.0), (0.0, 1.0, 0.0), (1.0, 0.0, 0.0)


def test_an_unobstructed_south_facade_has_the_whole_window() -> None:
    scene = box_scene([Box(0, 0, 0, 20, 10, 30)])
    [out] = sunlight_at(scene, lonlath([10, -0.05, 10]), np.array([SOUTH]), DAHAN)
    assert out.total_min == 480.0 and out.hours == 8.0
    assert out.longest_continuous_min == 480.0
    assert out.periods == (("08:00", "16:00"),) and out.passes is None


def test_a_north_facade_never_sees_the_winter_sun_and_an_east_one_sees_it_all_morning() -> None:
    scene = box_scene([Box(0, 0, 0, 20, 10, 30)])
    points = lonlath([[10, 10.05, 10], [20.05, 5, 10]])
    north, east = sunlight_at(scene, points, np.array([NORTH, EAST]), DAHAN)
    assert north.total_min == 0.0 and north.periods == ()
    assert east.total_min == pytest.approx(240.0, abs=1.0)
    assert east.periods[0][0] == "08:00"


def test_a_point_close_north_of_a_tall_wide_block_gets_no_sun() -> None:
    scene = box_scene([Box(-100, -30, 0, 100, -5, 60)])
    [out] = sunlight_at(scene, lonlath([0, 0, 1.5]), None, DAHAN, required_hours=2.0)
    assert out.total_min == 0.0 and out.longest_continuous_min == 0.0 and out.passes is False


def test_a_point_west_of_a_long_tall_wall_is_lit_once_the_sun_passes_its_south_end() -> None:
    # the wall (x 10..60, y -2000..10) hides every sun east of the line from the point to its
    # south-west corner (10, -2000): azimuth 180° - atan(10 / 2000)
    scene = box_scene([Box(10, -2000, 0, 60, 10, 5000)])
    point = lonlath([0, 0, 1.5])
    sun = sun_samples(float(point[0, 0]), float(point[0, 1]), DAHAN)
    lit = sun.azimuth_deg > 180.0 - np.degrees(np.arctan2(10.0, 2000.0))
    [out] = sunlight_at(scene, point, None, DAHAN, required_hours=2.0)
    assert out.total_min == pytest.approx(float(lit.sum()), abs=1.0)
    assert 230.0 < out.total_min < 245.0
    assert out.longest_continuous_min == out.total_min and out.passes is True
    [(start, end)] = out.periods
    assert start in ("11:58", "11:59", "12:00") and end == "16:00"
    [strict] = sunlight_at(scene, point, None, DAHAN, required_hours=4.5)
    assert strict.passes is False
    [short] = sunlight_at(scene, point, None, DAHAN, min_period_min=300.0)
    assert short.total_min == 0.0 and short.periods == ()


def test_results_come_back_in_input_order_with_one_normal_for_all() -> None:
    scene = box_scene([Box(-100, -30, 0, 100, -5, 60), Box(0, 200, 0, 20, 210, 30)])
    points = lonlath([[0, 0, 1.5], [10, 199.95, 10], [50, 0, 1.5]])
    out = sunlight_at(scene, points, np.array(SOUTH), DAHAN, step_min=5.0)
    assert [o.total_min for o in out] == [0.0, 480.0, 0.0]


def test_ten_thousand_points_take_seconds() -> None:
    scene = box_scene(
        [
            Box(x, y, 0, x + 20, y + 20, 10 + (x + y) % 37)
            for x in range(-200, 200, 40)
            for y in range(-200, 200, 40)
        ]
    )
    rng = np.random.default_rng(1)
    local = np.c_[rng.uniform(-200, 200, (10000, 2)), np.full(10000, 1.5)]
    started = time.perf_counter()
    out = sunlight_at(scene, lonlath(local), None, DAHAN)
    assert time.perf_counter() - started < 10.0
    assert len(out) == 10000 and any(o.total_min == 480 for o in out)


def test_bad_normals_and_requirements_are_refused() -> None:
    scene = box_scene([Box(0, 0, 0, 20, 10, 30)])
    point = lonlath([10, -5, 1.5])
    with pytest.raises(InvalidInputError, match="zero"):
        sunlight_at(scene, point, np.zeros((1, 3)), DAHAN)
    with pytest.raises(InvalidInputError, match="one finite"):
        sunlight_at(scene, point, np.zeros((2, 3)), DAHAN)
    with pytest.raises(InvalidInputError, match="required_hours"):
        sunlight_at(scene, point, None, DAHAN, required_hours=-1.0)
    with pytest.raises(InvalidInputError, match="window"):
        sunlight_at(scene, point, None, DAHAN, window=("16:00", "08:00"))
