"""Buildings above a corridor's threshold plane: hand-computed intrusions and volumes."""

from __future__ import annotations

import pytest

from tests.twin.analysis.scene_helpers import Box, box_scene, lonlath
from twin.analysis.corridor import check_corridor
from twin.analysis.corridor_threshold import ClearanceThreshold, CorridorSpec, PlaneThreshold


def _spec(threshold: PlaneThreshold | ClearanceThreshold, **kw: object) -> CorridorSpec:
    vp = tuple(lonlath((0.0, 0.0, 0.0))[0])
    target = tuple(lonlath((1000.0, 0.0, 50.0))[0])
    return CorridorSpec(
        viewpoint=vp,  # type: ignore[arg-type]
        targets=(target,),  # type: ignore[arg-type]
        threshold=threshold,
        eye_height_m=1.6,
        half_width_m=40.0,
        curvature=False,
        **kw,  # type: ignore[arg-type]
    )


def test_a_box_halfway_above_the_plane_intrudes_by_its_excess_height() -> None:
    # the plane rises from the eye (1.6 m) to 50 m at 1000 m: 25.8 m at 500 m
    scene = box_scene([Box(490, -10, 0, 510, 10, 30, feature_id="tower")])
    result = check_corridor(scene, _spec(PlaneThreshold(50.0)), cell_m=1.0)
    (hit,) = result.intrusions
    assert hit.feature_id == "tower"
    # highest excess at the near edge: 30 - (1.6 + 48.4 * 0.49) = 4.684 m
    assert hit.max_intrusion_m == pytest.approx(4.684, abs=0.03)
    # volume: 20 m x 20 m x the mean excess 4.2 m
    assert hit.volume_m3 == pytest.approx(1680.0, rel=0.03)


def test_boxes_below_the_plane_or_outside_the_corridor_are_not_listed() -> None:
    scene = box_scene(
        [
            Box(490, -10, 0, 510, 10, 20, feature_id="low"),
            Box(490, 200, 0, 510, 220, 80, feature_id="aside"),
        ]
    )
    assert check_corridor(scene, _spec(PlaneThreshold(50.0))).intrusions == ()


def test_a_clearance_threshold_keeps_buildings_below_the_line_of_sight() -> None:
    # line of sight to the target's own height (50 m) lowered by 10 m: 15.8 m at 500 m
    scene = box_scene([Box(495, -5, 0, 505, 5, 20, feature_id="mid")])
    (hit,) = check_corridor(scene, _spec(ClearanceThreshold(10.0)), cell_m=1.0).intrusions
    assert hit.max_intrusion_m == pytest.approx(20 - (1.6 + 48.4 * 0.495 - 10), abs=0.03)
