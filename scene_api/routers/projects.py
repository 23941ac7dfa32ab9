"""``/api/projects``: urban renewal projects in their land lifecycle (收储 → 供地 → 开工 →
竣工 → 验收) — list as GeoJSON, create, change, delete, remote progress reports (远程填报)
with photos, history. Stage moves go one stage forward (409 otherwise); reaching 竣工 sends the
linked problems to re-check. Every change reaches the live overlays (channel projects).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from scene_api.context import SceneContext, get_ctx
from scene_api.models import error_responses
from scene_api.routers import hc_shared as hc
from twin.healthcheck import access
from twin.healthcheck.inputs import parse_bbox
from twin.healthcheck.wire import Feature, FeatureCollection

router = APIRouter(prefix="/api/projects", tags=["healthcheck"])
Ctx = Annotated[SceneContext, Depends(get_ctx)]
ProjectId = hc.ItemId


class ProgressIn(BaseModel):
    stage: str | None = Field(default=None, max_length=40)
    percent: int | None = Field(default=None, ge=0, le=100)
    note: str = Field(default="", max_length=10_000)


@router.get(
    "", summary="Projects as a GeoJSON FeatureCollection", responses=error_responses(400, 422)
)
def list_projects(
    ctx: Ctx,
    stage: Annotated[str | None, Query(max_length=40)] = None,
    district: hc.District = None,
    department: hc.Department = None,
    bbox: hc.BBoxText = None,
) -> FeatureCollection:
    found = ctx.health.list_projects(
        stage=stage, district=district, department=department, bbox=parse_bbox(bbox)
    )
    return hc.features_of(ctx, hc.PROJECTS, found)


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
    return hc.create_item(request, ctx, hc.PROJECTS, body, access.PROJECT_WRITE)


@router.get("/{project_id}", summary="One project", responses=error_responses(404, 422))
def get_project(ctx: Ctx, project_id: ProjectId) -> Feature:
    return hc.get_item(ctx, hc.PROJECTS, project_id)


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
    return hc.update_item(request, ctx, hc.PROJECTS, project_id, body, access.PROJECT_WRITE)


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
    request: Request, ctx: Ctx, project_id: ProjectId, note: hc.Note = ""
) -> Response:
    return hc.delete_item(request, ctx, hc.PROJECTS, project_id, note, access.PROJECT_DELETE)


@router.post(
    "/{project_id}/progress",
    summary="Report progress from the field (远程填报): stage, percent, note",
    responses=error_responses(400, 401, 403, 404, 409, 422),
)
def report_progress(request: Request, ctx: Ctx, project_id: ProjectId, body: ProgressIn) -> Feature:
    who = hc.acting_on(request, ctx, hc.PROJECTS, project_id, access.PROGRESS, "reporting progress")
    done = ctx.health.report_progress(
        project_id, stage=body.stage, percent=body.percent, note=body.note, actor=who.user
    )
    return hc.feature_of(ctx, hc.PROJECTS, done)


@router.post(
    "/{project_id}/photos",
    status_code=201,
    summary="Add a photo (JPEG, PNG or WebP) to a project",
    responses=error_responses(400, 401, 403, 404, 422),
)
def add_photo(
    request: Request, ctx: Ctx, project_id: ProjectId, file: Annotated[UploadFile, File()]
) -> dict[str, str]:
    return hc.add_item_photo(request, ctx, hc.PROJECTS, project_id, file, access.PROGRESS)


@router.get(
    "/{project_id}/photos/{name}",
    summary="A photo of a project",
    response_class=Response,
    responses=error_responses(400, 404, 422, by_ref=True),
)
def get_photo(ctx: Ctx, project_id: ProjectId, name: hc.PhotoName) -> Response:
    return hc.item_photo(ctx, hc.PROJECTS, project_id, name)


@router.get(
    "/{project_id}/history",
    summary="Who changed the project, when and how (progress reports included)",
    responses=error_responses(404, 422),
)
def project_history(ctx: Ctx, project_id: ProjectId) -> JSONResponse:
    return hc.item_history(ctx, hc.PROJECTS, project_id)
