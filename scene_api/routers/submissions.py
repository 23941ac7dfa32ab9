"""``/api/submissions``: BIM submissions under review — upload (checked automatically),
states, parallel opinions, BCF in and out, the diff against the previous version.

A submission whose model layer the caller may not read (a restricted layer, see
``scene_api.services.access``) is left out of the list and answers everywhere else exactly
as a missing one does (``storage.submissions.visible``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import (
    APIRouter,
    BackgroundTasks,
    Depends,
    File,
    Form,
    Path,
    Query,
    Request,
    UploadFile,
)
from fastapi.responses import Response
from pydantic import BaseModel, Field

from scene_api.context import SceneContext, get_ctx
from scene_api.models import error_responses
from scene_api.services import access
from scene_api.services.identity import principal_of
from scene_api.services.uploads import remove, spool, work_dir
from storage.submissions.records import Opinion, Submission, SubmissionEvent
from storage.submissions.store import SubmissionStore
from storage.submissions.visible import VisibleSubmissions
from twin.errors import InvalidInputError, NotFoundError
from twin.submissions.lifecycle import USER_ACTIONS, apply_action
from twin.submissions.opinions import add_opinion, import_bcf_comments
from twin.submissions.submit_model import Services, Upload, check_submission, receive_submission

router = APIRouter(prefix="/api/submissions", tags=["submissions"])
Ctx = Annotated[SceneContext, Depends(get_ctx)]
SubmissionId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}-v[0-9]{1,6}$")]
MAX_TEXT = 2_000_000


class TransitionIn(BaseModel):
    action: str = Field(description=f"one of {', '.join(USER_ACTIONS)}")
    note: str = Field(default="", max_length=10_000)


class OpinionIn(BaseModel):
    verdict: str = Field(description="agree, conditional, disagree or comment")
    text: str = Field(min_length=1, max_length=20_000)


def _store(request: Request, ctx: SceneContext) -> VisibleSubmissions:
    """The submissions as this caller sees them (none on a layer they may not read)."""
    return VisibleSubmissions(ctx.catalog, access.hidden(request, ctx))


def _services(ctx: SceneContext) -> Services:
    """What the upload and its background check use: every submission (the check of one
    must find it even if its layer was restricted before it was ingested)."""
    return Services(ctx.settings, ctx.store, ctx.catalog, SubmissionStore(ctx.catalog))


def _out(s: Submission, *, full: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": s.id,
        "project": s.project,
        "version": s.version,
        "title": s.title,
        "state": s.state,
        "layer": s.layer_id,
        "file_name": s.file_name,
        "previous_id": s.previous_id,
        "created_by": s.created_by,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
        "check_error": s.check_error,
        "passed": (s.report or {}).get("passed"),
        "has_bcf": s.bcf_key is not None,
    }
    if full:
        out["inputs"] = {k: v for k, v in s.inputs.items() if not k.endswith("_key")}
        out["report"] = s.report
        out["diff_counts"] = (s.diff or {}).get("counts")
    return out


def _event(e: SubmissionEvent) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": e.at,
        "actor": e.actor,
        "action": e.action,
        "from_state": e.from_state,
        "to_state": e.to_state,
        "note": e.note,
    }


def _opinion(o: Opinion) -> dict[str, Any]:
    return {
        "seq": o.seq,
        "department": o.department,
        "author": o.author,
        "at": o.at,
        "verdict": o.verdict,
        "text": o.text,
        "source": o.source,
        "topic_guid": o.topic_guid,
        "element_ids": list(o.element_ids),
    }


def _text(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInputError(f"{what} must be UTF-8 text") from None


@router.post(
    "",
    status_code=202,
    summary="Submit a model (IFC) for review",
    description="Multipart upload: `file` (.ifc/.ifczip), `project`, optional `title`, "
    "`rules` (ruleset YAML; required for a project's first version, else inherited), "
    "`site_area_m2`, `ids` (IDS 1.0 file) and `red_line` (GeoJSON). A resubmission of a "
    "project becomes its next version. The model is ingested as its own layer and checked "
    "automatically; poll the submission until its state is `checked`.",
    responses=error_responses(400, 401, 403, 409, 413, 422, 503),
)
async def submit(
    request: Request,
    ctx: Ctx,
    background: BackgroundTasks,
    file: Annotated[UploadFile, File()],
    project: Annotated[str, Form(max_length=40)],
    title: Annotated[str, Form(max_length=200)] = "",
    rules: Annotated[str | None, Form(max_length=100_000)] = None,
    site_area_m2: Annotated[float | None, Form(gt=0, lt=1e9)] = None,
    ids: Annotated[UploadFile | None, File()] = None,
    red_line: Annotated[UploadFile | None, File()] = None,
) -> dict[str, Any]:
    who = principal_of(request, ctx.settings)
    name = file.filename or "model.ifc"
    if not name.lower().endswith((".ifc", ".ifczip")):
        raise InvalidInputError("file: a submission is an .ifc or .ifczip model")
    limit = ctx.settings.bim.max_upload_mb << 20
    folder = work_dir(ctx.settings.data_dir / "tmp")
    try:
        suffix = ".ifczip" if name.lower().endswith(".ifczip") else ".ifc"
        model = await spool(file, folder, f"model{suffix}", limit)
        ids_path = await spool(ids, folder, "requirements.ids", limit) if ids is not None else None
        red = None
        if red_line is not None:
            red = _text(
                (await spool(red_line, folder, "red.geojson", MAX_TEXT)).read_bytes(), "red_line"
            )
        upload = Upload(
            project=project,
            title=title,
            ifc_path=model,
            file_name=name,
            rules_yaml=rules,
            site_area_m2=site_area_m2,
            ids_path=ids_path,
            red_line_geojson=red,
        )
        svc = _services(ctx)
        created = receive_submission(svc, upload, who)
    finally:
        remove(folder)
    background.add_task(check_submission, svc, created.id)
    return _out(created)


@router.get("", summary="Submissions, by project and state", responses=error_responses(422))
def list_submissions(
    request: Request,
    ctx: Ctx,
    project: Annotated[str | None, Query(max_length=40)] = None,
    state: Annotated[str | None, Query(max_length=20)] = None,
) -> list[dict[str, Any]]:
    return [_out(s, full=False) for s in _store(request, ctx).find(project=project, state=state)]


@router.get(
    "/{submission_id}",
    summary="A submission with its review report",
    responses=error_responses(404, 422),
)
def get_submission(request: Request, ctx: Ctx, submission_id: SubmissionId) -> dict[str, Any]:
    return _out(_store(request, ctx).get(submission_id))


@router.get(
    "/{submission_id}/events",
    summary="Its history: every change, who and when",
    responses=error_responses(404, 422),
)
def submission_events(
    request: Request, ctx: Ctx, submission_id: SubmissionId
) -> list[dict[str, Any]]:
    store = _store(request, ctx)
    store.get(submission_id)
    return [_event(e) for e in store.events(submission_id)]


@router.post(
    "/{submission_id}/transitions",
    summary="Move a submission: start_review, approve, return, reject",
    description="409 when the action does not apply to the current state (approving a "
    "rejected submission, say).",
    responses=error_responses(400, 401, 403, 404, 409, 422),
)
def transition(
    request: Request, ctx: Ctx, submission_id: SubmissionId, body: TransitionIn
) -> dict[str, Any]:
    who = principal_of(request, ctx.settings)
    return _out(apply_action(_store(request, ctx), submission_id, body.action, who, body.note))


@router.get(
    "/{submission_id}/opinions",
    summary="Opinions of the reviewing departments",
    responses=error_responses(404, 422),
)
def opinions(request: Request, ctx: Ctx, submission_id: SubmissionId) -> list[dict[str, Any]]:
    store = _store(request, ctx)
    store.get(submission_id)
    return [_opinion(o) for o in store.opinions(submission_id)]


@router.post(
    "/{submission_id}/opinions",
    status_code=201,
    summary="Enter the caller's department's opinion",
    responses=error_responses(400, 401, 403, 404, 409, 422),
)
def post_opinion(
    request: Request, ctx: Ctx, submission_id: SubmissionId, body: OpinionIn
) -> dict[str, Any]:
    who = principal_of(request, ctx.settings)
    return _opinion(add_opinion(_store(request, ctx), submission_id, who, body.verdict, body.text))


@router.get(
    "/{submission_id}/bcf",
    summary="The review's failures as BCF 3.0",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}, **error_responses(404, 422)},
)
def get_bcf(request: Request, ctx: Ctx, submission_id: SubmissionId) -> Response:
    sub = _store(request, ctx).get(submission_id)
    if sub.bcf_key is None:
        raise NotFoundError(f"submission {sub.id} has no BCF yet (state {sub.state})")
    return Response(
        ctx.store.get_bytes(sub.bcf_key),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{sub.id}-review.bcfzip"'},
    )


@router.post(
    "/{submission_id}/bcf",
    summary="Attach the comments of a BCF file (e.g. the architect's answers)",
    responses=error_responses(400, 401, 403, 404, 409, 413, 422),
)
async def post_bcf(
    request: Request, ctx: Ctx, submission_id: SubmissionId, file: Annotated[UploadFile, File()]
) -> dict[str, Any]:
    who = principal_of(request, ctx.settings)
    folder = work_dir(ctx.settings.data_dir / "tmp")
    try:
        path = await spool(file, folder, "comments.bcfzip", ctx.settings.bim.max_upload_mb << 20)
        added = import_bcf_comments(_store(request, ctx), submission_id, who, path)
    finally:
        remove(folder)
    return {"imported": added}


@router.get(
    "/{submission_id}/diff",
    summary="Element changes against the previous version",
    responses=error_responses(404, 422),
)
def get_diff(request: Request, ctx: Ctx, submission_id: SubmissionId) -> dict[str, Any]:
    sub = _store(request, ctx).get(submission_id)
    if sub.previous_id is None:
        raise NotFoundError(f"submission {sub.id} is a project's first version: nothing to diff")
    if sub.diff is None:
        raise NotFoundError(f"submission {sub.id} has not been checked yet")
    return dict(sub.diff)
