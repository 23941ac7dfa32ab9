"""``/api/problems``: problem patches of the city health check (问题图斑) — list as GeoJSON
with filters, create, change, re-check (the only way to close), delete, photos, history.

Reads are open like the other reads; writes need a login with the role of the action
(``twin.healthcheck.access``), and department-bound roles change only their department's
problems. Every change reaches the live overlays (``/api/overlays/ws``, channel problems).
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

router = APIRouter(prefix="/api/problems", tags=["healthcheck"])
Ctx = Annotated[SceneContext, Depends(get_ctx)]
ProblemId = hc.ItemId


class RecheckIn(BaseModel):
    passed: bool
    note: str = Field(default="", max_length=10_000)


@router.get(
    "", summary="Problems as a GeoJSON FeatureCollection", responses=error_responses(400, 422)
)
def list_problems(
    ctx: Ctx,
    status: Annotated[str | None, Query(max_length=20)] = None,
    district: hc.District = None,
    department: hc.Department = None,
    severity: Annotated[int | None, Query(ge=1, le=3)] = None,
    bbox: hc.BBoxText = None,
) -> FeatureCollection:
    found = ctx.health.list_problems(
        status=status,
        district=district,
        department=department,
        severity=severity,
        bbox=parse_bbox(bbox),
    )
    return hc.features_of(ctx, hc.PROBLEMS, found)


@router.post(
    "",
    status_code=201,
    summary="Create a problem",
    description="Body: `title`, `geometry` (GeoJSON, WGS84) or `lon`/`lat`, optional `id`, "
    "`indicator`, `severity` (1–3), `department`, `district`, `due_date`, `description`.",
    responses=error_responses(400, 401, 403, 409, 422),
)
def create_problem(request: Request, ctx: Ctx, body: Annotated[Any, Body()]) -> Feature:
    return hc.create_item(request, ctx, hc.PROBLEMS, body, access.PROBLEM_CREATE)


@router.get("/{problem_id}", summary="One problem", responses=error_responses(404, 422))
def get_problem(ctx: Ctx, problem_id: ProblemId) -> Feature:
    return hc.get_item(ctx, hc.PROBLEMS, problem_id)


@router.patch(
    "/{problem_id}",
    summary="Change a problem",
    description="Body: any of the fields of a problem, and `note`. Status moves: open ↔ "
    "in_progress, → rechecking once a linked project reached 竣工; only a passing re-check "
    "closes (409 otherwise).",
    responses=error_responses(400, 401, 403, 404, 409, 422),
)
def update_problem(
    request: Request, ctx: Ctx, problem_id: ProblemId, body: Annotated[Any, Body()]
) -> Feature:
    return hc.update_item(request, ctx, hc.PROBLEMS, problem_id, body, access.PROBLEM_UPDATE)


@router.delete(
    "/{problem_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a problem",
    description="Admins and planners delete any problem, a department editor only one of "
    "their department; district reporters never. Its links go (the projects stay, their "
    "`problem_ids` without it). Its photos are removed; its history keeps a `deleted` "
    "entry with its last state, the overlays get a `deleted` event, and the id may be used "
    "again. `note`: why (kept in the history).",
    responses=error_responses(401, 403, 404, 409, 422, by_ref=True),
)
def delete_problem(
    request: Request, ctx: Ctx, problem_id: ProblemId, note: hc.Note = ""
) -> Response:
    return hc.delete_item(request, ctx, hc.PROBLEMS, problem_id, note, access.PROBLEM_DELETE)


@router.post(
    "/{problem_id}/recheck",
    summary="Re-check a problem after its project reached completion (竣工)",
    description="`passed: true` closes the problem, `false` sends it back to in_progress; "
    "409 when no linked project has reached completion or the problem is closed.",
    responses=error_responses(400, 401, 403, 404, 409, 422),
)
def recheck_problem(request: Request, ctx: Ctx, problem_id: ProblemId, body: RecheckIn) -> Feature:
    who = hc.acting_on(
        request, ctx, hc.PROBLEMS, problem_id, access.RECHECK, "re-checking a problem"
    )
    done = ctx.health.recheck_problem(problem_id, body.passed, who.user, body.note)
    return hc.feature_of(ctx, hc.PROBLEMS, done)


@router.post(
    "/{problem_id}/photos",
    status_code=201,
    summary="Add a photo (JPEG, PNG or WebP) to a problem",
    responses=error_responses(400, 401, 403, 404, 422),
)
def add_photo(
    request: Request, ctx: Ctx, problem_id: ProblemId, file: Annotated[UploadFile, File()]
) -> dict[str, str]:
    return hc.add_item_photo(request, ctx, hc.PROBLEMS, problem_id, file, access.PROGRESS)


@router.get(
    "/{problem_id}/photos/{name}",
    summary="A photo of a problem",
    response_class=Response,
    responses=error_responses(400, 404, 422, by_ref=True),
)
def get_photo(ctx: Ctx, problem_id: ProblemId, name: hc.PhotoName) -> Response:
    return hc.item_photo(ctx, hc.PROBLEMS, problem_id, name)


@router.get(
    "/{problem_id}/history",
    summary="Who changed the problem, when and how",
    responses=error_responses(404, 422),
)
def problem_history(ctx: Ctx, problem_id: ProblemId) -> JSONResponse:
    return hc.item_history(ctx, hc.PROBLEMS, problem_id)
