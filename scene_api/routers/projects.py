"""``/api/projects``: urban renewal projects in their land lifecycle (收储 → 供地 → 开工 →
竣工 → 验收) — list as GeoJSON, create, change, delete, remote progress reports (远程填报)
with photos, history. Stage moves go one stage forward (409 otherwise); reaching 竣工 sends the
linked problems to re-check. Every change reaches the live overlays (channel projects).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from scene_api.context import SceneContext, get_ctx
from scene_api.models import error_responses
from scene_api.routers.hc_shared import (
    allowed_for,
    caller,
    deleter,
    json_body,
    photo_response,
    save_photo,
)
from twin.errors import InvalidInputError
from twin.healthcheck import access
from twin.healthcheck.build_items import PROJECT_FIELDS, build_project
from twin.healthcheck.inputs import parse_bbox
from twin.healthcheck.wire import (
    Feature,
    FeatureCollection,
    collection,
    history_out,
    project_feature,
)

router = APIRouter(prefix="/api/projects", tags=["healthcheck"])
Ctx = Annotated[SceneContext, Depends(get_ctx)]
ProjectId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
PhotoName = Annotated[str, Path(min_length=1, max_length=140)]
_CREATE_FIELDS = frozenset({*PROJECT_FIELDS, "id", "lon", "lat", "stage_started"})


class ProgressIn(BaseModel):
    stage: str | None = Field(default=None, max_length=40)
    percent: int | None = Field(default=None, ge=0, le=100)
    note: str = Field(default="", max_length=10_000)


def _out(ctx: SceneContext, p: Any) -> Feature:
    return project_feature(p, ctx.health.stages, ctx.health.today())


@router.get(
    "", summary="Projects as a GeoJSON FeatureCollection", responses=error_responses(400, 422)
)
def list_projects(
    ctx: Ctx,
    stage: Annotated[str | None, Query(max_length=40)] = None,
    district: Annotated[str | None, Query(max_length=100)] = None,
    department: Annotated[str | None, Query(max_length=100)] = None,
    bbox: Annotated[str | None, Query(description="w,s,e,n in WGS84")] = None,
) -> FeatureCollection:
    health = ctx.health
    found = health.list_projects(
        stage=stage, district=district, department=department, bbox=parse_bbox(bbox)
    )
    today = health.today()
    return collection([project_feature(p, health.stages, today) for p in found])


@router.post(
    "",
    status_code=201,
    summary="Create a project",
    description="Body: `name`, `geometry` (GeoJSON, WGS84) or `lon`/`lat`, optional `id`, "
    "`stage` (default the first), `stage_started`, `percent`, `district`, `department`, "
    "`budget`, `start_date`, `agreed_start_date`, `problem_ids`.",
    responses=error_responses(400, 401, 403, 409, 422),
)
def create_project(request: Request, ctx: Ctx, body: Annotated[Any, Body()]) -> Feature:
    who = caller(request, ctx, access.PROJECT_WRITE, "creating a project")
    fields = dict(json_body(body, "project"))
    extra = sorted(set(fields) - _CREATE_FIELDS)
    if extra:
        raise InvalidInputError(f"{extra[0]}: not a field of a project", column=extra[0])
    mine = access.bound_department(who, access.PROJECT_WRITE)
    if mine is not None and not fields.get("department"):
        fields["department"] = mine
    p = build_project(fields, ctx.health.stages, ctx.health.today())
    allowed_for(who, access.PROJECT_WRITE, "creating a project", p.department)
    return _out(ctx, ctx.health.create_project(p, who.user))


@router.get("/{project_id}", summary="One project", responses=error_responses(404, 422))
def get_project(ctx: Ctx, project_id: ProjectId) -> Feature:
    return _out(ctx, ctx.health.get_project(project_id))


@router.patch(
    "/{project_id}",
    summary="Change a project",
    description="Body: any of the fields of a project, and `note`. A new `stage` must be "
    "the next one (409 when going back or skipping); the stage's clock starts today.",
    responses=error_responses(400, 401, 403, 404, 409, 422),
)
def update_project(
    request: Request, ctx: Ctx, project_id: ProjectId, body: Annotated[Any, Body()]
) -> Feature:
    who = caller(request, ctx, access.PROJECT_WRITE, "changing a project")
    fields = dict(json_body(body, "project"))
    note = str(fields.pop("note", "") or "")
    current = ctx.health.get_project(project_id)
    departments = [current.department]
    if "department" in fields:
        departments.append(str(fields["department"] or ""))
    allowed_for(who, access.PROJECT_WRITE, "changing a project", *departments)
    return _out(ctx, ctx.health.update_project(project_id, fields, who.user, note))


@router.delete(
    "/{project_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a project",
    description="Admins and planners delete any project, a department editor only one of "
    "their department; district reporters never. Its links go: the problems stay, and one "
    "in `rechecking` with no other linked project at 竣工 goes back to `in_progress`. Its "
    "photos are removed; its history keeps a `deleted` entry with its last state, the "
    "overlays get a `deleted` event, and the id may be used again. `note`: why (kept in the "
    "history).",
    responses=error_responses(401, 403, 404, 409, 422, by_ref=True),
)
def delete_project(
    request: Request,
    ctx: Ctx,
    project_id: ProjectId,
    note: Annotated[str, Query(max_length=10_000)] = "",
) -> Response:
    who = caller(request, ctx, access.PROJECT_DELETE, "deleting a project")
    allow = deleter(who, access.PROJECT_DELETE, "deleting a project")
    ctx.health.delete_project(project_id, who.user, note, allow=allow)
    return Response(status_code=204)


@router.post(
    "/{project_id}/progress",
    summary="Report progress from the field (远程填报): stage, percent, note",
    responses=error_responses(400, 401, 403, 404, 409, 422),
)
def report_progress(request: Request, ctx: Ctx, project_id: ProjectId, body: ProgressIn) -> Feature:
    who = caller(request, ctx, access.PROGRESS, "reporting progress")
    current = ctx.health.get_project(project_id)
    allowed_for(who, access.PROGRESS, "reporting progress", current.department)
    done = ctx.health.report_progress(
        project_id, stage=body.stage, percent=body.percent, note=body.note, actor=who.user
    )
    return _out(ctx, done)


@router.post(
    "/{project_id}/photos",
    status_code=201,
    summary="Add a photo (JPEG, PNG or WebP) to a project",
    responses=error_responses(400, 401, 403, 404, 422),
)
def add_photo(
    request: Request, ctx: Ctx, project_id: ProjectId, file: Annotated[UploadFile, File()]
) -> dict[str, str]:
    who = caller(request, ctx, access.PROGRESS, "adding a photo")
    current = ctx.health.get_project(project_id)
    allowed_for(who, access.PROGRESS, "adding a photo", current.department)
    return save_photo(ctx, who, "projects", project_id, file)


@router.get(
    "/{project_id}/photos/{name}",
    summary="A photo of a project",
    response_class=Response,
    responses=error_responses(400, 404, 422, by_ref=True),
)
def get_photo(ctx: Ctx, project_id: ProjectId, name: PhotoName) -> Response:
    data, content_type = ctx.health.open_photo("projects", project_id, name)
    return photo_response(data, content_type)


@router.get(
    "/{project_id}/history",
    summary="Who changed the project, when and how (progress reports included)",
    responses=error_responses(404, 422),
)
def project_history(ctx: Ctx, project_id: ProjectId) -> JSONResponse:
    entries = ctx.health.history("project", project_id)
    return JSONResponse({"history": [dict(history_out(e)) for e in entries]})
