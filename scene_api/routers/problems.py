"""``/api/problems``: problem patches of the city health check (问题图斑) — list as GeoJSON
with filters, create, change, re-check (the only way to close), delete, photos, history.

Reads are open like the other reads; writes need a login with the role of the action
(``twin.healthcheck.access``), and department-bound roles change only their department's
problems. Every change reaches the live overlays (``/api/overlays/ws``, channel problems).
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
from twin.healthcheck.build_items import PROBLEM_FIELDS, build_problem
from twin.healthcheck.inputs import parse_bbox
from twin.healthcheck.wire import (
    Feature,
    FeatureCollection,
    collection,
    history_out,
    problem_feature,
)

router = APIRouter(prefix="/api/problems", tags=["healthcheck"])
Ctx = Annotated[SceneContext, Depends(get_ctx)]
ProblemId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
PhotoName = Annotated[str, Path(min_length=1, max_length=140)]
_CREATE_FIELDS = frozenset({*PROBLEM_FIELDS, "id", "lon", "lat"})


class RecheckIn(BaseModel):
    passed: bool
    note: str = Field(default="", max_length=10_000)


def _feature(ctx: SceneContext, problem_id: str) -> Feature:
    return problem_feature(ctx.health.get_problem(problem_id), ctx.health.today())


@router.get(
    "", summary="Problems as a GeoJSON FeatureCollection", responses=error_responses(400, 422)
)
def list_problems(
    ctx: Ctx,
    status: Annotated[str | None, Query(max_length=20)] = None,
    district: Annotated[str | None, Query(max_length=100)] = None,
    department: Annotated[str | None, Query(max_length=100)] = None,
    severity: Annotated[int | None, Query(ge=1, le=3)] = None,
    bbox: Annotated[str | None, Query(description="w,s,e,n in WGS84")] = None,
) -> FeatureCollection:
    health = ctx.health
    found = health.list_problems(
        status=status,
        district=district,
        department=department,
        severity=severity,
        bbox=parse_bbox(bbox),
    )
    today = health.today()
    return collection([problem_feature(p, today) for p in found])


@router.post(
    "",
    status_code=201,
    summary="Create a problem",
    description="Body: `title`, `geometry` (GeoJSON, WGS84) or `lon`/`lat`, optional `id`, "
    "`indicator`, `severity` (1–3), `department`, `district`, `due_date`, `description`.",
    responses=error_responses(400, 401, 403, 409, 422),
)
def create_problem(request: Request, ctx: Ctx, body: Annotated[Any, Body()]) -> Feature:
    who = caller(request, ctx, access.PROBLEM_CREATE, "creating a problem")
    fields = dict(json_body(body, "problem"))
    extra = sorted(set(fields) - _CREATE_FIELDS)
    if extra:
        raise InvalidInputError(f"{extra[0]}: not a field of a problem", column=extra[0])
    mine = access.bound_department(who, access.PROBLEM_CREATE)
    if mine is not None and not fields.get("department"):
        fields["department"] = mine
    if fields.get("status") not in (None, "", "open"):
        raise InvalidInputError("status: a new problem is open", column="status")
    p = build_problem(fields)
    allowed_for(who, access.PROBLEM_CREATE, "creating a problem", p.department)
    created = ctx.health.create_problem(p, who.user)
    return problem_feature(created, ctx.health.today())


@router.get("/{problem_id}", summary="One problem", responses=error_responses(404, 422))
def get_problem(ctx: Ctx, problem_id: ProblemId) -> Feature:
    return _feature(ctx, problem_id)


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
    who = caller(request, ctx, access.PROBLEM_UPDATE, "changing a problem")
    fields = dict(json_body(body, "problem"))
    note = str(fields.pop("note", "") or "")
    current = ctx.health.get_problem(problem_id)
    departments = [current.department]
    if "department" in fields:
        departments.append(str(fields["department"] or ""))
    allowed_for(who, access.PROBLEM_UPDATE, "changing a problem", *departments)
    changed = ctx.health.update_problem(problem_id, fields, who.user, note)
    return problem_feature(changed, ctx.health.today())


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
    request: Request,
    ctx: Ctx,
    problem_id: ProblemId,
    note: Annotated[str, Query(max_length=10_000)] = "",
) -> Response:
    who = caller(request, ctx, access.PROBLEM_DELETE, "deleting a problem")
    allow = deleter(who, access.PROBLEM_DELETE, "deleting a problem")
    ctx.health.delete_problem(problem_id, who.user, note, allow=allow)
    return Response(status_code=204)


@router.post(
    "/{problem_id}/recheck",
    summary="Re-check a problem after its project reached completion (竣工)",
    description="`passed: true` closes the problem, `false` sends it back to in_progress; "
    "409 when no linked project has reached completion or the problem is closed.",
    responses=error_responses(400, 401, 403, 404, 409, 422),
)
def recheck_problem(request: Request, ctx: Ctx, problem_id: ProblemId, body: RecheckIn) -> Feature:
    who = caller(request, ctx, access.RECHECK, "re-checking a problem")
    current = ctx.health.get_problem(problem_id)
    allowed_for(who, access.RECHECK, "re-checking a problem", current.department)
    done = ctx.health.recheck_problem(problem_id, body.passed, who.user, body.note)
    return problem_feature(done, ctx.health.today())


@router.post(
    "/{problem_id}/photos",
    status_code=201,
    summary="Add a photo (JPEG, PNG or WebP) to a problem",
    responses=error_responses(400, 401, 403, 404, 422),
)
def add_photo(
    request: Request, ctx: Ctx, problem_id: ProblemId, file: Annotated[UploadFile, File()]
) -> dict[str, str]:
    who = caller(request, ctx, access.PROGRESS, "adding a photo")
    current = ctx.health.get_problem(problem_id)
    allowed_for(who, access.PROGRESS, "adding a photo", current.department)
    return save_photo(ctx, who, "problems", problem_id, file)


@router.get(
    "/{problem_id}/photos/{name}",
    summary="A photo of a problem",
    response_class=Response,
    responses=error_responses(400, 404, 422, by_ref=True),
)
def get_photo(ctx: Ctx, problem_id: ProblemId, name: PhotoName) -> Response:
    data, content_type = ctx.health.open_photo("problems", problem_id, name)
    return photo_response(data, content_type)


@router.get(
    "/{problem_id}/history",
    summary="Who changed the problem, when and how",
    responses=error_responses(404, 422),
)
def problem_history(ctx: Ctx, problem_id: ProblemId) -> JSONResponse:
    entries = ctx.health.history("problem", problem_id)
    return JSONResponse({"history": [dict(history_out(e)) for e in entries]})
