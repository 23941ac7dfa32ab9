"""The failures of a review as BCF issues, with the element boxes their cameras frame."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ifcopenshell
import ifcopenshell.util.placement

from bim_ingest.georef_units import model_length_unit
from bim_ingest.review.element_shapes import triangulate
from bim_ingest.review.export_bcf import Bounds, Issue, write_bcf
from bim_ingest.review.report_text import Lang, label
from bim_ingest.review.review_model import ReviewReport

MAX_FRAMED = 2000  # elements whose boxes are measured for one camera
MAX_TRIANGULATED = 200  # beyond this, element placements stand for their boxes
PLACEMENT_MARGIN_M = 2.0


def placement_bounds(model: ifcopenshell.file, elements: list[Any]) -> dict[str, Bounds]:
    """A box of 2 m around each element's placement origin (model metres)."""
    unit = model_length_unit(model).metres
    out: dict[str, Bounds] = {}
    for element in elements:
        if element.ObjectPlacement is None:
            continue
        m = ifcopenshell.util.placement.get_local_placement(element.ObjectPlacement)
        x, y, z = (float(v) * unit for v in m[:3, 3])
        d = PLACEMENT_MARGIN_M
        out[str(element.GlobalId)] = (x - d, y - d, z - d, x + d, y + d, z + d)
    return out


def review_issues(report: ReviewReport, lang: Lang = "zh-CN") -> list[Issue]:
    issues = []
    for r in report.rules:
        if r.status != "fail":
            continue
        title = f"{label(r.key, lang)} ({r.key})"
        desc = (
            f"{label('value', lang)} {r.value} {r.unit}; {label('limit', lang)} {r.limit} {r.unit}"
        )
        issues.append(Issue(title, f"{desc}. {r.note}".strip(), "Rule", r.elements, ("规划条件",)))
    for s in report.ids:
        if s.status != "fail":
            continue
        ids = s.applicable_ids if s.prohibited and not s.failed else s.failed
        desc = (
            f"{label('applicable', lang)} {s.applicable}, {label('failed', lang)} {len(s.failed)}. "
            f"{s.description} " + " | ".join(s.reasons)
        )
        issues.append(Issue(f"IDS: {s.name}", desc.strip(), "IDS", ids, ("IDS",)))
    return issues


def export_review_bcf(
    model: ifcopenshell.file, report: ReviewReport, path: Path, *, author: str, lang: Lang = "zh-CN"
) -> int:
    issues = review_issues(report, lang)
    bounds: dict[str, Bounds] = dict(report.bounds)
    wanted = {i for issue in issues for i in issue.element_ids[:MAX_FRAMED] if i not in bounds}
    elements = []
    for gid in wanted:
        try:
            element = model.by_guid(gid)
        except RuntimeError:
            continue
        if getattr(element, "Representation", None) is not None:
            elements.append(element)
    if len(elements) <= MAX_TRIANGULATED:
        bounds.update({s.global_id: s.bounds for s in triangulate(model, elements)})
    else:  # many elements: their placements frame the camera as well, for far less work
        bounds.update(placement_bounds(model, elements))
    return write_bcf(
        path, issues, bounds, project=report.model_name or "twin review", author=author
    )
