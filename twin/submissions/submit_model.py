"""A submission arrives: it is validated and stored (state submitted), then checked
automatically: ingested as its own layer (so every version stays viewable), reviewed
against the project's planning conditions and IDS, its failures written as BCF, diffed
against the previous version by GlobalId, and moved to checked.

Nothing is stored for an upload that is not a readable IFC or whose ruleset is invalid.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bim_ingest.open_ifc import open_ifc
from bim_ingest.review.check_ids import load_ids
from bim_ingest.review.red_line import red_line_from_geojson
from bim_ingest.review.report_json import report_json
from bim_ingest.review.review_issues import export_review_bcf
from bim_ingest.review.review_model import ReviewInput, review_model
from bim_ingest.review.ruleset import parse_ruleset, read_yaml
from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from storage.submissions.records import Submission
from storage.submissions.store import SubmissionStore
from twin.errors import InvalidInputError, TwinError
from twin.settings import Settings
from twin.submissions.diff_versions import diff_layers
from twin.submissions.lifecycle import mark_checked
from twin.submissions.principal import Principal

log = logging.getLogger("twin.submissions")

_PROJECT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
SUBMIT_ROLES = ("submitter", "reviewer")


@dataclass(frozen=True)
class Upload:
    """What arrives with a submission; files are local paths the caller owns."""

    project: str
    title: str
    ifc_path: Path
    file_name: str
    rules_yaml: str | None = None  # None: the previous version's planning conditions
    site_area_m2: float | None = None
    ids_path: Path | None = None
    red_line_geojson: str | None = None
    layer_id: str | None = None  # default sub-<project>-v<n>; the demo reuses its own layer


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: ObjectStore
    catalog: Catalog
    submissions: SubmissionStore


def _geojson(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"red_line: not GeoJSON ({exc.msg} at line {exc.lineno})") from None


def validate_project(project: str) -> str:
    if not _PROJECT.fullmatch(project):
        raise InvalidInputError(
            f"invalid project id {project[:60]!r}: 1-40 lower-case letters, digits, '-' or '_'"
        )
    return project


def _rules(upload: Upload, previous: Submission | None) -> dict[str, Any]:
    if upload.rules_yaml is None:
        if previous is None:
            raise InvalidInputError(
                "the first submission of a project needs its planning conditions (rules)"
            )
        return dict(previous.inputs.get("rules", {}))
    data = read_yaml(upload.rules_yaml, "rules")
    if isinstance(data, dict) and "red_line" in data:
        raise InvalidInputError("rules: give the red line as its own upload (red_line), not a path")
    parse_ruleset(data, label="rules")  # refuses unknown keys and bad values
    return dict(data)


def receive_submission(svc: Services, upload: Upload, who: Principal) -> Submission:
    """Validate and store an upload; its check runs next (``check_submission``)."""
    who.require(SUBMIT_ROLES, "submitting a model")
    project = validate_project(upload.project)
    title = upload.title.strip()[:200] or upload.file_name
    open_ifc(upload.ifc_path)  # refuses anything that is not a complete IFC model
    if upload.ids_path is not None:
        load_ids(upload.ids_path)  # refuses a file that is not valid IDS 1.0
    if upload.red_line_geojson is not None:
        red_line_from_geojson(_geojson(upload.red_line_geojson), label="red_line")
    previous = svc.submissions.latest(project)
    rules = _rules(upload, previous)
    version = (previous.version + 1) if previous is not None else 1
    submission_id = f"{project}-v{version}"
    suffix = ".ifczip" if upload.file_name.lower().endswith(".ifczip") else ".ifc"
    prefix = f"submissions/{submission_id}/"
    ifc_key = f"{prefix}model{suffix}"
    inputs: dict[str, Any] = {"rules": rules, "site_area_m2": upload.site_area_m2}
    if upload.red_line_geojson is not None:
        svc.store.put_bytes(
            f"{prefix}red-line.geojson",
            upload.red_line_geojson.encode(),
            content_type="application/geo+json",
        )
        inputs["red_line_key"] = f"{prefix}red-line.geojson"
    elif previous is not None and previous.inputs.get("red_line_key"):
        inputs["red_line_key"] = previous.inputs["red_line_key"]
    if upload.ids_path is not None:
        svc.store.put_bytes(
            f"{prefix}requirements.ids",
            upload.ids_path.read_bytes(),
            content_type="application/xml",
        )
        inputs["ids_key"] = f"{prefix}requirements.ids"
    with upload.ifc_path.open("rb") as fh:
        svc.store.put_stream(ifc_key, fh, length=upload.ifc_path.stat().st_size)
    record = Submission(
        id=submission_id,
        project=project,
        version=version,
        title=title,
        layer_id=upload.layer_id or f"sub-{project}-v{version}",
        state="submitted",
        file_name=upload.file_name[:200],
        ifc_key=ifc_key,
        inputs=inputs,
        previous_id=previous.id if previous is not None else None,
    )
    try:
        return svc.submissions.create(record, actor=who.user, note=title)
    except TwinError:
        svc.store.delete_prefix(prefix)
        raise


def check_submission(svc: Services, submission_id: str, *, publish: bool = True) -> Submission:
    """Ingest, review, write BCF, diff and mark checked; a failure is recorded, not raised.

    ``publish=False``: the caller has already published this very file as the layer."""
    from twin.cli.publishing import publish_ifc_file

    sub = svc.submissions.get(submission_id)
    work = Path(tempfile.mkdtemp(prefix="twin-sub-", dir=_tmp_dir(svc.settings)))
    try:
        model_path = work / Path(sub.ifc_key).name
        model_path.write_bytes(svc.store.get_bytes(sub.ifc_key))
        given = _review_input(svc, sub, work)
        if publish:
            publish_ifc_file(
                model_path,
                svc.settings,
                layer=sub.layer_id,
                title=f"{sub.title} (v{sub.version})",
                bim=svc.settings.bim,
                override=None,
                progress=False,
            )
        model = open_ifc(model_path)
        report = review_model(model, given, name=sub.file_name)
        bcf_path = work / "review.bcfzip"
        export_review_bcf(model, report, bcf_path, author="twin")
        bcf_key = f"submissions/{sub.id}/review.bcfzip"
        svc.store.put_bytes(bcf_key, bcf_path.read_bytes(), content_type="application/zip")
        diff = None
        if sub.previous_id is not None:
            before = svc.submissions.get(sub.previous_id)
            diff = diff_layers(svc.catalog, before.layer_id, sub.layer_id)
        svc.submissions.record_check(
            sub.id, report=report_json(report), diff=diff, bcf_key=bcf_key, error=None
        )
        return mark_checked(svc.submissions, sub.id)
    except TwinError as exc:
        log.warning("submission check failed", extra={"submission": sub.id, "code": exc.code})
        svc.submissions.record_check(
            sub.id, report=None, diff=None, bcf_key=None, error=exc.message
        )
        return svc.submissions.get(sub.id)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _tmp_dir(settings: Settings) -> Path:
    path = settings.data_dir / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _review_input(svc: Services, sub: Submission, work: Path) -> ReviewInput:
    rules = parse_ruleset(dict(sub.inputs.get("rules", {})), label="rules")
    red_line = ids = None
    if key := sub.inputs.get("red_line_key"):
        red_line = work / "red-line.geojson"
        red_line.write_bytes(svc.store.get_bytes(str(key)))
    if key := sub.inputs.get("ids_key"):
        ids = work / "requirements.ids"
        ids.write_bytes(svc.store.get_bytes(str(key)))
    area = sub.inputs.get("site_area_m2")
    return ReviewInput(
        rules=replace(rules),
        site_area_m2=float(area) if area is not None else None,
        red_line=red_line,
        ids=ids,
        fallback_origin=svc.settings.bim.default_origin,
    )
