"""Review failures as a BCF 3.0 ``.bcfzip`` (bcf-client): one topic per failed rule or IDS
specification, each with a viewpoint whose camera frames the offending elements and whose
selection lists their GlobalIds. Camera coordinates are the IFC model's, in metres."""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

Bounds = tuple[float, float, float, float, float, float]
FIELD_OF_VIEW_DEG = 60.0
ASPECT_RATIO = 16.0 / 9.0
VIEW_DIRECTION = np.array([-1.0, 1.0, -0.8])  # from the south-east, looking down
MAX_COMPONENTS = 10_000


@dataclass(frozen=True)
class Issue:
    title: str
    description: str
    topic_type: str  # "Rule" or "IDS"
    element_ids: tuple[str, ...]
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Camera:
    position: tuple[float, float, float]
    direction: tuple[float, float, float]
    up: tuple[float, float, float]


def frame_camera(bounds: Sequence[Bounds]) -> Camera:
    """A perspective camera that sees every box whole (60 degree field of view)."""
    if bounds:
        box = np.asarray(bounds, dtype=np.float64)
        lo, hi = box[:, :3].min(axis=0), box[:, 3:].max(axis=0)
    else:
        lo, hi = np.zeros(3), np.zeros(3)
    centre = (lo + hi) / 2.0
    radius = max(float(np.linalg.norm(hi - lo)) / 2.0, 1.0)
    direction = VIEW_DIRECTION / np.linalg.norm(VIEW_DIRECTION)
    distance = radius / math.sin(math.radians(FIELD_OF_VIEW_DEG) / 2.0) * 1.1
    position = centre - direction * distance
    right = np.cross(direction, [0.0, 0.0, 1.0])
    up = np.cross(right, direction)
    up /= np.linalg.norm(up)
    return Camera(_t(position), _t(direction), _t(up))


def _xyz(v: tuple[float, float, float]) -> dict[str, float]:
    return {"x": v[0], "y": v[1], "z": v[2]}


def _t(v: np.ndarray) -> tuple[float, float, float]:
    return (float(v[0]), float(v[1]), float(v[2]))


def write_bcf(
    path: Path,
    issues: Sequence[Issue],
    bounds_of: Mapping[str, Bounds],
    *,
    project: str,
    author: str,
) -> int:
    """Write ``issues`` to ``path`` (atomically); the number of topics written."""
    import bcf.v3.bcfxml
    import bcf.v3.model as mdl
    from bcf.v3.visinfo import VisualizationInfoHandler

    bcf_file = bcf.v3.bcfxml.BcfXml.create_new(project)
    for issue in issues:
        topic = bcf_file.add_topic(
            issue.title, issue.description, author, topic_type=issue.topic_type, topic_status="Open"
        )
        if issue.labels:
            topic.topic.labels = mdl.TopicLabels(label=list(issue.labels))
        ids = issue.element_ids[:MAX_COMPONENTS]
        camera = frame_camera([bounds_of[i] for i in ids if i in bounds_of])
        info = mdl.VisualizationInfo(
            guid=str(uuid.uuid4()),
            components=mdl.Components(
                selection=mdl.ComponentSelection(component=[mdl.Component(ifc_guid=i) for i in ids])
                if ids
                else None,
                visibility=mdl.ComponentVisibility(default_visibility=True),
            ),
            perspective_camera=mdl.PerspectiveCamera(
                camera_view_point=mdl.Point(**_xyz(camera.position)),
                camera_direction=mdl.Direction(**_xyz(camera.direction)),
                camera_up_vector=mdl.Direction(**_xyz(camera.up)),
                field_of_view=FIELD_OF_VIEW_DEG,
                aspect_ratio=ASPECT_RATIO,
            ),
        )
        topic.add_visinfo_handler(VisualizationInfoHandler(visualization_info=info))
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        bcf_file.save(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return len(issues)
