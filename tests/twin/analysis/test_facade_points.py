"""Facade sample points: a regular grid on every wall, just outside it, facing out."""

from __future__ import annotations

import numpy as np
import pytest

from tests.twin.analysis.scene_helpers import Box, Prism, box_scene, prism_scene
from twin.analysis.facade_points import FacadeSamples, facade_samples
from twin.analysis.frame_points import to_local
from twin.analysis.ray_scene import RayScene
from twin.errors import InvalidInputError

L_RING = ((0, 0), (30, 0), (30, 10), (10, 10), (10, 30), (0, 30))


def _walls(scene: RayScene, samples: FacadeSamples) -> dict[tuple[float, ...], list[np.ndarray]]:
    """{outward normal (rounded, ENU): [frame points of each wall facing that way]}"""
    local = to_local(scene.frame, samples.points)
    out: dict[tuple[float, ...], list[np.ndarray]] = {}
    for w in np.unique(samples.wall):
        m = samples.wall == w
        normal = tuple((np.round(samples.normals_enu[m][0], 4) + 0.0).tolist())
        out.setdefault(normal, []).append(local[m])
    return out


@pytest.mark.parametrize("flip", [False, True])
def test_a_box_gets_a_centred_grid_on_each_of_its_four_walls(flip: bool) -> None:
    scene = box_scene([Box(0, 0, 0, 12, 10, 10, flip=flip)])
    samples = facade_samples(scene, 0)
    assert samples.feature_id == "B0" and len(samples) == 4 * 3 + 4 * 3 + 3 * 3 + 3 * 3
    walls = _walls(scene, samples)
    assert set(walls) == {(0.0, -1.0, 0.0), (0.0, 1.0, 0.0), (-1.0, 0.0, 0.0), (1.0, 0.0, 0.0)}
    [south], [east] = walls[(0.0, -1.0, 0.0)], walls[(1.0, 0.0, 0.0)]
    assert sorted(set(np.round(south[:, 0], 3))) == [1.5, 4.5, 7.5, 10.5]  # 12 m: 4 columns
    assert np.allclose(south[:, 1], -0.05, atol=1e-3)  # 5 cm outside the wall
    assert sorted(set(np.round(east[:, 1], 3))) == [2.0, 5.0, 8.0]  # 10 m: 3, centred
    assert np.allclose(east[:, 0], 12.05, atol=1e-3)
    for [pts] in walls.values():
        assert sorted(set(np.round(pts[:, 2], 2))) == [1.5, 4.5, 7.5]  # below the 10 m top
    assert np.allclose(np.unique(np.round(samples.height_m, 3)), [1.5, 4.5, 7.5])


def test_walls_of_an_l_shaped_block_face_out_of_the_notch_whatever_their_winding() -> None:
    # the footprint's bounding-box centre (15, 15) lies in the notch, outside the building
    flipped = tuple(range(1, 20, 2))
    scene = prism_scene([Prism(L_RING, 0, 7, flip=flipped)])
    walls = _walls(scene, facade_samples(scene, 0, spacing_m=2.0))
    assert {n: len(w) for n, w in walls.items()} == {
        (0.0, -1.0, 0.0): 1,
        (1.0, 0.0, 0.0): 2,
        (0.0, 1.0, 0.0): 2,
        (-1.0, 0.0, 0.0): 1,
    }
    notch_x = [p for p in walls[(1.0, 0.0, 0.0)] if p[0, 0] < 20]
    notch_y = [p for p in walls[(0.0, 1.0, 0.0)] if p[0, 1] < 20]
    (x_wall,) = notch_x
    (y_wall,) = notch_y
    assert np.allclose(x_wall[:, 0], 10.05, atol=1e-3) and (x_wall[:, 1] > 10).all()
    assert np.allclose(y_wall[:, 1], 10.05, atol=1e-3) and (y_wall[:, 0] > 10).all()
    total = facade_samples(scene, 0, spacing_m=2.0)
    assert len(total) == (15 + 5 + 10 + 10 + 5 + 15) * 2  # 120 m of wall, 2 rows below 7 m


def test_only_the_chosen_feature_is_sampled_and_flat_ones_have_no_walls() -> None:
    scene = box_scene([Box(0, 0, 0, 6, 6, 4), Box(20, 0, 0, 26, 6, 1.0)])
    first = facade_samples(scene, 0)
    assert first.feature_id == "B0" and len(first) == 4 * 2 * 1
    assert (to_local(scene.frame, first.points)[:, 0] < 7).all()
    assert len(facade_samples(scene, 1)) == 0  # a 1 m slab is lower than the first row


def test_too_many_points_and_bad_parameters_are_refused() -> None:
    scene = box_scene([Box(0, 0, 0, 200, 200, 100)])
    with pytest.raises(InvalidInputError, match="larger spacing"):
        facade_samples(scene, 0, spacing_m=0.5, height_step_m=0.5, max_points=1000)
    with pytest.raises(InvalidInputError, match="feature"):
        facade_samples(scene, 3)
    with pytest.raises(InvalidInputError, match="spacing_m"):
        facade_samples(scene, 0, spacing_m=0.0)
