"""Ridgeline views: the terrain's skyline from a viewpoint, and the share a tall box hides.

The scene is a long east-west mound (200 m high, crest 2 km north of the eye) on flat
ground; the eye stands 10 m up at the frame origin. A box 500 m north, 200 m wide, hides the
ridge between the azimuths of its near corners, ±atan(100/500), so on the crest line it
hides x within ±0.2 y.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.twin.analysis.scene_helpers import (
    FRAME,
    Box,
    box_mesh,
    box_scene,
    height_field_mesh,
    lonlath,
    mesh_scene,
)
from twin.analysis.frame_points import to_local
from twin.analysis.ray_scene import FeatureRef, RayScene
from twin.analysis.skyline import ridge_from_terrain, ridgeline_visibility
from twin.errors import InvalidInputError

CREST_Y = 2000.0
HALF_WIDTH = 400.0
HEIGHT = 200.0
EYE = tuple(float(v) for v in lonlath([[0.0, 0.0, 10.0]])[0])
TOWER = Box(-100, 500, -1, 100, 520, 400, feature_id="tower")
#: the box's shadow on the ridge, as a share of a ridge seen over ±30°
HIDDEN_SHARE = 0.2 / math.tan(math.radians(30))


def mound() -> tuple[np.ndarray, np.ndarray]:
    xs = np.arange(-4000.0, 4000.1, 50.0)
    ys = np.arange(-500.0, 3000.1, 20.0)
    d = np.abs(ys - CREST_Y)
    z = np.where(d < HALF_WIDTH, HEIGHT * np.cos(np.pi * d / (2 * HALF_WIDTH)) ** 2, 0.0)
    return height_field_mesh(xs, ys, np.repeat(z[:, None], len(xs), axis=1))


def ridge_scene(*boxes: Box) -> RayScene:
    v, t = mound()
    parts = [(v, t, FeatureRef("dem", "T0", "terrain"))]
    parts += [(*box_mesh(b), FeatureRef(b.layer, b.feature_id, b.kind)) for b in boxes]
    return mesh_scene(parts)


@pytest.fixture(scope="module")
def bare() -> RayScene:
    return ridge_scene()


@pytest.fixture(scope="module")
def proposal() -> RayScene:
    return ridge_scene(TOWER)


@pytest.fixture(scope="module")
def ridge(proposal: RayScene) -> np.ndarray:
    return ridge_from_terrain(proposal, EYE, 330.0, 30.0)


def test_the_terrain_skyline_lies_on_the_crest_of_the_mound(ridge: np.ndarray) -> None:
    xyz = to_local(FRAME, ridge)
    assert len(ridge) == 241  # 60° in 0.25° steps, both ends included
    assert np.abs(ridge[:, 2] - HEIGHT).max() < 3.0
    assert np.abs(xyz[:, 1] - CREST_Y).max() < 40.0


def test_the_skyline_keeps_to_an_azimuth_range_wrapping_through_north(ridge: np.ndarray) -> None:
    xyz = to_local(FRAME, ridge)
    azimuth = np.degrees(np.arctan2(xyz[:, 0], xyz[:, 1]))
    assert azimuth.min() == pytest.approx(-30.0, abs=0.05)
    assert azimuth.max() == pytest.approx(30.0, abs=0.05)
    assert (np.diff(azimuth) > 0).all()  # clockwise, in order


def test_the_skyline_ignores_buildings_in_front_of_the_terrain(
    bare: RayScene, ridge: np.ndarray
) -> None:
    assert ridge_from_terrain(bare, EYE, 330.0, 30.0) == pytest.approx(ridge, abs=1e-6)


def test_without_the_tower_the_whole_ridge_is_visible(bare: RayScene, ridge: np.ndarray) -> None:
    view = ridgeline_visibility(bare, EYE, ridge)
    assert view.visible_share == 1.0
    assert view.visible.all()
    assert set(view.blocking) == {-1}


def test_the_tower_hides_the_share_of_the_ridge_behind_it(
    proposal: RayScene, ridge: np.ndarray
) -> None:
    view = ridgeline_visibility(proposal, EYE, ridge)
    assert view.visible_share == pytest.approx(1.0 - HIDDEN_SHARE, abs=0.02)
    hidden = np.asarray(view.blocking)[~view.visible]
    assert set(hidden.tolist()) == {1}  # feature 1 is the tower
    assert len(view.blocking) == len(view.points) == len(view.visible)


def test_the_ridge_is_densified_and_its_share_is_by_length_not_by_vertex() -> None:
    # a ridge floating 5 m over the crest, its vertices crowded at the west end
    scene = ridge_scene(TOWER)
    ridge = lonlath([[-1000, CREST_Y, 205], [-990, CREST_Y, 205], [-980, CREST_Y, 205],
                     [1000, CREST_Y, 205]])  # fmt: skip
    view = ridgeline_visibility(scene, EYE, ridge, densify_m=10.0)
    xyz = to_local(FRAME, view.points)
    assert np.linalg.norm(np.diff(xyz, axis=0), axis=1).max() <= 10.0 + 1e-6
    assert view.visible_share == pytest.approx(1.0 - 800.0 / 2000.0, abs=0.01)


def test_a_point_right_on_a_surface_is_not_hidden_by_that_surface() -> None:
    scene = box_scene([Box(-50, 1000, 0, 50, 1010, 100, kind="terrain")])
    view = ridgeline_visibility(scene, EYE, lonlath([[0, 1000, 50], [0, 1000, 60]]))
    assert view.visible.all()
    assert view.visible_share == 1.0


def test_a_scene_without_terrain_has_no_ridge_to_find() -> None:
    with pytest.raises(InvalidInputError, match="no terrain"):
        ridge_from_terrain(box_scene([TOWER]), EYE, 0.0, 10.0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"step_deg": 0.0}, "step_deg"), ({"max_distance_m": -1.0}, "max_distance_m")],
)
def test_bad_search_settings_are_refused(
    bare: RayScene, kwargs: dict[str, float], match: str
) -> None:
    with pytest.raises(InvalidInputError, match=match):
        ridge_from_terrain(bare, EYE, 0.0, 10.0, **kwargs)


def test_a_bad_eye_or_ridge_is_refused(bare: RayScene, ridge: np.ndarray) -> None:
    with pytest.raises(InvalidInputError, match="eye"):
        ridgeline_visibility(bare, np.array([[0.0, 0, 0], [1, 1, 1]]), ridge)
    with pytest.raises(InvalidInputError, match="ridge"):
        ridgeline_visibility(bare, EYE, [[0.0, 0.0]])
    with pytest.raises(InvalidInputError, match="densify_m"):
        ridgeline_visibility(bare, EYE, ridge, densify_m=0.0)
