"""Street indicators in a canyon of two long blocks: width W, height H, H/W, sky view
cos(atan(2H'/W)) at eye height (H' = H - 1.5 m) and the share of the view that is trees."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from tests.twin.analysis.scene_helpers import Box, box_scene, lonlath
from twin.analysis.ray_scene import FeatureRef
from twin.analysis.street_indicators import (
    EYE_HEIGHT_M,
    GREEN_AZIMUTH_STEP_DEG,
    GREEN_ELEVATION_BANDS_DEG,
    GREEN_VIEW_DISTANCE_M,
    default_is_green,
    street_indicators,
)
from twin.errors import InvalidInputError

W, H, LENGTH = 20.0, 15.0, 800.0


def _blocks(base: float = -1.0, north: Box | None = None, extra: list[Box] | None = None):  # type: ignore[no-untyped-def]
    south = Box(-LENGTH / 2, -W / 2 - 20, base, LENGTH / 2, -W / 2, H + max(base, 0.0))
    north = north or Box(-LENGTH / 2, W / 2, base, LENGTH / 2, W / 2 + 20, H + max(base, 0.0))
    return box_scene([south, north, *(extra or [])])


def _line(*xy: tuple[float, float]) -> shapely.LineString:
    return shapely.LineString(lonlath([[x, y, 0.0] for x, y in xy])[:, :2])


def test_a_straight_street_between_two_long_blocks_has_their_spacing_and_height() -> None:
    [out] = street_indicators(_blocks(), [("main", _line((-200, 0), (200, 0)))])
    assert out.id == "main" and out.length_m == pytest.approx(400.0, abs=0.01)
    assert out.stations == 20
    assert out.width_m == pytest.approx(W, abs=0.01)
    assert out.mean_height_m == pytest.approx(H, abs=0.02)
    assert out.height_width_ratio == pytest.approx(H / W, abs=0.002)
    eye = H - EYE_HEIGHT_M
    assert out.svf == pytest.approx(math.cos(math.atan(2 * eye / W)), abs=0.01)
    assert out.green_ratio == 0.0


def test_a_street_off_centre_and_bent_still_measures_the_gap_across_it() -> None:
    # a zig-zag at y = -4 .. 4: perpendicular rays are slanted across the gap on its slopes
    street = _line((-100, -4), (0, -4), (100, -4))
    [out] = street_indicators(_blocks(), [("side", street)], spacing_m=10.0)
    assert out.stations == 20 and out.width_m == pytest.approx(W, abs=0.01)


def test_heights_are_measured_from_the_given_ground() -> None:
    ground = 10.0
    scene = _blocks(base=ground)

    def flat(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        return np.full(len(lon), ground)

    [out] = street_indicators(scene, [("s", _line((-50, 0), (50, 0)))], ground=flat)
    assert out.mean_height_m == pytest.approx(H, abs=0.02)
    assert out.width_m == pytest.approx(W, abs=0.01)
    [below] = street_indicators(scene, [("s", _line((-50, 0), (50, 0)))])
    assert below.width_m is None  # at 1.5 m above the ellipsoid the rays pass under them


def test_without_a_ground_the_scene_terrain_below_the_station_is_used() -> None:
    terrain = Box(-500, -500, -5, 500, 500, 4.0, feature_id="dem", layer="dem", kind="terrain")
    scene = _blocks(base=4.0, extra=[terrain])
    [out] = street_indicators(scene, [("s", _line((-50, 0), (50, 0)))])
    assert out.mean_height_m == pytest.approx(H, abs=0.02)
    assert out.width_m == pytest.approx(W, abs=0.01)


def test_an_open_side_has_no_width_but_its_one_wall_still_has_a_height() -> None:
    scene = box_scene([Box(-LENGTH / 2, -W / 2 - 20, -1, LENGTH / 2, -W / 2, H)])
    [out] = street_indicators(scene, [("edge", _line((-50, 0), (50, 0)))], max_width_m=50.0)
    assert out.width_m is None and out.height_width_ratio is None
    assert out.mean_height_m == pytest.approx(H, abs=0.02)


def test_a_row_of_trees_along_one_side_is_the_green_share_of_the_view() -> None:
    # a hedge of trees 3 m in front of the north block, taller than the view reaches at 45°
    face = W / 2 - 3.0
    trees = Box(
        -LENGTH / 2,
        face,
        -1,
        LENGTH / 2,
        W / 2 - 0.5,
        200.0,
        "street:tree_row",
        "street",
        "streets",
    )
    scene = _blocks(extra=[trees])
    [out] = street_indicators(scene, [("s", _line((-20, 0), (20, 0)))])
    # the view rays that reach the tree row's face within the view distance
    lo, hi, step = GREEN_ELEVATION_BANDS_DEG
    el, az = np.meshgrid(
        np.radians(np.arange(lo + step / 2, hi, step)),
        np.radians(np.arange(0.0, 360.0, GREEN_AZIMUTH_STEP_DEG)),
    )
    north = np.cos(el) * np.cos(az)
    with np.errstate(divide="ignore"):
        reach = np.where(north > 1e-9, face / north, np.inf)
    green = reach <= GREEN_VIEW_DISTANCE_M
    expected = float((green * np.cos(el)).sum() / np.cos(el).sum())
    assert 0.3 < expected < 0.5
    assert out.green_ratio == pytest.approx(expected, abs=0.01)
    # trees are not walls: the width and height are the buildings' behind them
    assert out.width_m == pytest.approx(W, abs=0.01)
    assert out.mean_height_m == pytest.approx(H, abs=0.02)


def test_trees_are_green_and_other_street_objects_and_buildings_are_not() -> None:
    assert default_is_green(FeatureRef("street", "street:12_tree", "streets"))
    assert default_is_green(FeatureRef("street_trees", "street:7", "streets"))
    assert not default_is_green(FeatureRef("street", "street:lamp_3", "streets"))
    assert not default_is_green(FeatureRef("tree_blocks", "b:1", "buildings"))


def test_several_streets_come_back_in_order_and_bad_input_is_refused() -> None:
    scene = _blocks()
    out = street_indicators(
        scene, [("a", _line((-100, 0), (0, 0))), ("b", _line((0, 0), (10, 0)))], spacing_m=25.0
    )
    assert [(o.id, o.stations) for o in out] == [("a", 4), ("b", 1)]
    with pytest.raises(InvalidInputError, match="two distinct points"):
        street_indicators(scene, [("c", _line((0, 0), (0, 0)))])
    with pytest.raises(InvalidInputError, match="LineString"):
        street_indicators(scene, [("d", shapely.Point(0, 0))])  # type: ignore[list-item]
    with pytest.raises(InvalidInputError, match="spacing_m"):
        street_indicators(scene, [("a", _line((-100, 0), (0, 0)))], spacing_m=0.0)
