"""Panorama images: sky above the ridge, the tower grey (or red as a proposal), the ridge
drawn in yellow, square pixels, and a before/after pair stacked with labels."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from PIL import Image

from tests.twin.analysis.scene_helpers import FRAME
from tests.twin.analysis.test_skyline import EYE, TOWER, ridge_scene
from twin.analysis.frame_points import to_local
from twin.analysis.panorama import (
    AXIS_H,
    PAIR_LABEL_H,
    TITLE_H,
    _label_text,
    panorama_layout,
    panorama_pair,
    render_panorama,
)
from twin.analysis.ray_scene import RayScene
from twin.analysis.skyline import ridge_from_terrain
from twin.errors import InvalidInputError

WIDTH = 480  # 60° wide: 0.125° a pixel, so -5°..25° is 240 rows


@pytest.fixture(scope="module")
def scene() -> RayScene:
    return ridge_scene(TOWER)


@pytest.fixture(scope="module")
def ridge(scene: RayScene) -> np.ndarray:
    return ridge_from_terrain(scene, EYE, 330.0, 30.0)


def _render(scene: RayScene, **kwargs: object) -> Image.Image:
    png = render_panorama(scene, EYE, 330.0, 30.0, width=WIDTH, **kwargs)  # type: ignore[arg-type]
    return Image.open(io.BytesIO(png)).convert("RGB")


def _pixel(image: Image.Image, x: float, y: float) -> tuple[int, ...]:
    rgb = image.getpixel((int(x), int(y)))
    assert isinstance(rgb, tuple)
    return rgb


def _at(image: Image.Image, azimuth: float, elevation: float) -> tuple[int, ...]:
    x, y = panorama_layout(330.0, 30.0, width=WIDTH).pixel(azimuth, elevation)
    return _pixel(image, float(x), float(y))


def test_the_panorama_has_the_width_asked_for_and_square_pixels(scene: RayScene) -> None:
    image = _render(scene)
    assert image.size == (WIDTH, 240 + AXIS_H)
    titled = _render(scene, title="view 1")
    assert titled.size == (WIDTH, TITLE_H + 240 + AXIS_H)


def test_the_tower_is_building_grey_and_the_sky_above_the_ridge_blue(scene: RayScene) -> None:
    image = _render(scene)
    r, g, b = _at(image, 0.0, 2.0)
    assert max(r, g, b) - min(r, g, b) < 20 and r > 120  # grey
    r, g, b = _at(image, 20.0, 15.0)
    assert b > r + 30 and b > g  # sky
    r, g, b = _at(image, 20.0, 3.0)  # the mound's face, beside the tower
    assert g > b and g > r  # green


def test_a_highlighted_feature_is_red(scene: RayScene) -> None:
    r, g, b = _at(_render(scene, highlight=frozenset({1})), 0.0, 2.0)
    assert r > 150 and g < 90 and b < 90


def test_the_ridge_is_drawn_as_a_yellow_line(scene: RayScene, ridge: np.ndarray) -> None:
    image = _render(scene, ridge=ridge)
    layout = panorama_layout(330.0, 30.0, width=WIDTH)
    xyz = to_local(FRAME, ridge[200:201]) - to_local(FRAME, np.asarray([EYE]))
    azimuth = np.degrees(np.arctan2(xyz[0, 0], xyz[0, 1])) % 360
    elevation = np.degrees(np.arctan2(xyz[0, 2], np.hypot(xyz[0, 0], xyz[0, 1])))
    x, y = layout.pixel(azimuth, elevation)
    r, g, b = _pixel(image, round(float(x)), round(float(y)))
    assert r > 200 and g > 180 and b < 80


def test_one_ray_a_pixel_keeps_a_wide_panorama_fast(scene: RayScene) -> None:
    start = time.perf_counter()
    png = render_panorama(scene, EYE, 300.0, 60.0, width=1440)  # 1440 x 360
    assert time.perf_counter() - start < 5.0
    assert Image.open(io.BytesIO(png)).size == (1440, 360 + AXIS_H)


def test_a_pair_stacks_both_panoramas_under_their_labels(scene: RayScene) -> None:
    before = render_panorama(scene, EYE, 330.0, 30.0, width=WIDTH)
    after = render_panorama(scene, EYE, 330.0, 30.0, width=WIDTH, highlight=frozenset({1}))
    pair = Image.open(io.BytesIO(panorama_pair(before, after)))
    h = Image.open(io.BytesIO(before)).height
    assert pair.size == (WIDTH, 2 * h + 2 * PAIR_LABEL_H)


def test_labels_fall_back_to_their_ascii_part_without_a_cjk_font() -> None:
    assert _label_text("现状 before", cjk=False) == "before"
    assert _label_text("现状 before", cjk=True) == "现状 before"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"width": 4}, "width"),
        ({"elevation_from_deg": 10.0, "elevation_to_deg": 5.0}, "elevation"),
    ],
)
def test_bad_panorama_settings_are_refused(
    scene: RayScene, kwargs: dict[str, float], match: str
) -> None:
    with pytest.raises(InvalidInputError, match=match):
        render_panorama(scene, EYE, 330.0, 30.0, **kwargs)  # type: ignore[arg-type]


def test_a_pair_of_unreadable_images_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="before"):
        panorama_pair(b"not a png", b"")
