"""Sky view factors: 1 in the open, cos(atan(2H/W)) on a canyon floor, half for a wall."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.twin.analysis.scene_helpers import Box, box_scene, lonlath
from twin.analysis.sky_view import disc_directions, sky_view_factor
from twin.errors import InvalidInputError

W = H = 20.0
LENGTH = 40 * W


def _canyon(height: float = H, width: float = W):  # type: ignore[no-untyped-def]
    return box_scene(
        [
            Box(-LENGTH / 2, -width / 2 - 20, -1, LENGTH / 2, -width / 2, height),
            Box(-LENGTH / 2, width / 2, -1, LENGTH / 2, width / 2 + 20, height),
        ]
    )


def test_the_sample_directions_are_unit_vectors_in_the_upper_hemisphere_averaging_up() -> None:
    d = disc_directions(2048)
    assert np.linalg.norm(d, axis=1) == pytest.approx(np.ones(2048))
    assert (d[:, 2] > 0).all()
    # cosine-distributed: the mean of cos θ over the hemisphere is 2/3, of the x, y parts 0
    assert d.mean(axis=0) == pytest.approx([0.0, 0.0, 2 / 3], abs=2e-3)


def test_an_unobstructed_point_sees_the_whole_sky() -> None:
    scene = box_scene([Box(100, 100, 0, 120, 120, 10)])
    assert sky_view_factor(scene, lonlath([0, 0, 0])) == pytest.approx([1.0], abs=0.005)


def test_an_unobstructed_vertical_wall_sees_half_the_sky() -> None:
    scene = box_scene([Box(0, 0, 0, 20, 10, 30)])
    [svf] = sky_view_factor(scene, lonlath([10, -0.05, 10]), np.array([0.0, -1.0, 0.0]))
    assert svf == pytest.approx(0.5, abs=0.005)


@pytest.mark.parametrize("height, width", [(20.0, 20.0), (10.0, 20.0), (30.0, 15.0)])
def test_the_centre_of_a_long_canyon_floor_sees_cos_atan_2h_over_w(
    height: float, width: float
) -> None:
    [svf] = sky_view_factor(_canyon(height, width), lonlath([0, 0, 0]))
    assert svf == pytest.approx(math.cos(math.atan(2 * height / width)), abs=0.01)


def test_the_foot_of_a_canyon_wall_sees_half_the_sine_of_the_far_walls_angle() -> None:
    # in a long canyon the projected factor of a floor strip is (sin a2 - sin a1) / 2 for
    # the sky between angles a1, a2 from the zenith: at the foot of one wall a1 = 0 and
    # a2 = atan(W / H), so SVF = sin(atan(W / H)) / 2 = 0.354 for H = W
    [svf] = sky_view_factor(_canyon(), lonlath([0, -W / 2 + 0.01, 0]))
    assert svf == pytest.approx(math.sin(math.atan(W / H)) / 2, abs=0.01)


def test_a_canyon_wall_sees_the_sky_above_the_opposite_roof() -> None:
    # a vertical strip sees (1 - sin e) / 2 of sky above the elevation e of the far roof edge
    z = 5.0
    [svf] = sky_view_factor(_canyon(), lonlath([0, -W / 2 + 0.05, z]), np.array([0.0, 1.0, 0.0]))
    assert svf == pytest.approx((1 - math.sin(math.atan((H - z) / W))) / 2, abs=0.01)


def test_many_points_come_back_in_order() -> None:
    xs = np.linspace(-100, 100, 600)
    pts = lonlath(np.c_[xs, np.zeros_like(xs), np.zeros_like(xs)])
    svf = sky_view_factor(_canyon(), np.concatenate([pts, lonlath([0, 500, 0])]), rays=512)
    assert svf[:-1] == pytest.approx(np.full(600, 0.447), abs=0.02)
    assert svf[-1] == 1.0


def test_bad_ray_counts_and_normals_are_refused() -> None:
    scene = box_scene([])
    with pytest.raises(InvalidInputError, match="rays"):
        sky_view_factor(scene, lonlath([0, 0, 0]), rays=4)
    with pytest.raises(InvalidInputError, match="zero"):
        sky_view_factor(scene, lonlath([0, 0, 0]), np.zeros(3))
