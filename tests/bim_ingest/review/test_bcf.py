from __future__ import annotations

import math
import zipfile
from pathlib import Path

import bcf.v3.bcfxml
import ifcopenshell
import numpy as np
import pytest

from bim_ingest.review.export_bcf import FIELD_OF_VIEW_DEG, frame_camera
from bim_ingest.review.import_bcf import read_bcf_comments
from bim_ingest.review.review_issues import export_review_bcf
from bim_ingest.review.review_model import ReviewInput, review_model
from bim_ingest.review.ruleset import parse_ruleset
from tests.bim_ingest.review.review_models import Block, answer_first_topic, write_block
from twin.errors import InvalidInputError


def failing_review(tmp_path: Path, shared_data: Path) -> tuple[ifcopenshell.file, object]:
    path = write_block(
        Block(elevations_m=(0.0, 3.0, 6.0, 9.0), roof_elevation_m=12.0), tmp_path / "b.ifc"
    )
    model = ifcopenshell.open(str(path))
    rules = parse_ruleset({"max_height_m": 10, "max_storeys": 2, "max_far": 100})
    ids = shared_data / "ids" / "IDS_SimpleBIM_examples.ids"
    report = review_model(
        model, ReviewInput(rules=rules, site_area_m2=500.0, ids=ids), name="b.ifc"
    )
    return model, report


def test_each_failure_becomes_a_topic_whose_viewpoint_selects_its_elements(
    tmp_path: Path, shared_data: Path
) -> None:
    model, report = failing_review(tmp_path, shared_data)
    out = tmp_path / "review.bcfzip"
    count = export_review_bcf(model, report, out, author="reviewer@bureau")
    failures = [r for r in report.rules if r.status == "fail"] + [
        s for s in report.ids if s.status == "fail"
    ]
    assert count == len(failures) >= 3
    with zipfile.ZipFile(out) as zf:
        assert 'VersionId="3.0"' in zf.read("bcf.version").decode()
    read = bcf.v3.bcfxml.BcfXml.load(out)
    assert read is not None
    topics = list(read.topics.values())
    assert len(topics) == count
    titles = {t.topic.title: t for t in topics}
    height = next(t for title, t in titles.items() if "max_height_m" in title)
    (viewpoint,) = height.viewpoints.values()
    rule = next(r for r in report.rules if r.key == "max_height_m")
    assert set(viewpoint.get_selected_guids() or []) == set(rule.elements)
    assert height.topic.creation_author == "reviewer@bureau"
    camera = viewpoint.visualization_info.perspective_camera
    assert camera is not None and camera.field_of_view == FIELD_OF_VIEW_DEG
    # the camera frames the roof: its box lies inside the view cone
    lo, hi = (
        np.array(report.bounds[rule.elements[0]][:3]),
        np.array(report.bounds[rule.elements[0]][3:]),
    )
    eye = np.array(
        [camera.camera_view_point.x, camera.camera_view_point.y, camera.camera_view_point.z]
    )
    look = np.array(
        [camera.camera_direction.x, camera.camera_direction.y, camera.camera_direction.z]
    )
    for corner in np.array(np.meshgrid(*zip(lo, hi, strict=True))).T.reshape(-1, 3):
        to = corner - eye
        angle = math.degrees(
            math.acos(np.dot(to, look) / np.linalg.norm(to) / np.linalg.norm(look))
        )
        assert angle < FIELD_OF_VIEW_DEG / 2


def test_a_camera_frames_every_box_it_is_given() -> None:
    camera = frame_camera([(0, 0, 0, 10, 10, 3), (90, 40, 0, 100, 50, 30)])
    eye, look = np.array(camera.position), np.array(camera.direction)
    assert np.dot(np.array(camera.up), look) == pytest.approx(0.0, abs=1e-9)
    for corner in [(0, 0, 0), (100, 50, 30), (0, 50, 0), (100, 0, 30)]:
        to = np.array(corner) - eye
        cos = np.dot(to, look) / np.linalg.norm(to)
        assert math.degrees(math.acos(cos)) < FIELD_OF_VIEW_DEG / 2


def test_comments_added_in_a_bcf_tool_come_back_on_import(
    tmp_path: Path, shared_data: Path
) -> None:
    model, report = failing_review(tmp_path, shared_data)
    out = tmp_path / "review.bcfzip"
    export_review_bcf(model, report, out, author="twin")
    answered = tmp_path / "answered.bcfzip"
    title = answer_first_topic(
        out,
        answered,
        author="设计院 张工",
        text="已降低一层，见修改版",
        guid="c0a1b2c3-0000-4000-8000-000000000001",
    )
    comments = read_bcf_comments(answered)
    assert [(c.author, c.text) for c in comments] == [("设计院 张工", "已降低一层，见修改版")]
    assert comments[0].topic_title == title
    assert comments[0].element_ids  # the topic's selected GlobalIds come along


def test_a_file_that_is_not_bcf_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.bcfzip"
    path.write_bytes(b"not a zip")
    with pytest.raises(InvalidInputError, match="not a BCF zip archive"):
        read_bcf_comments(path)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("../evil.txt", "x")
        zf.writestr("bcf.version", '<Version VersionId="3.0"/>')
    with pytest.raises(InvalidInputError, match="unsafe member paths"):
        read_bcf_comments(path)
