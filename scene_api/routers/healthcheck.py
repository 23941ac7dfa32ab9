"""``/api/healthcheck``: the indicator table (一张表), the command centre's summary and the
daily sweep of overdue and idle flags (problems and projects: ``routers/problems.py``,
``routers/projects.py``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request

from scene_api.context import SceneContext, get_ctx
from scene_api.models import error_responses
from scene_api.routers.hc_shared import caller, json_body
from twin.errors import InvalidInputError
from twin.healthcheck import access
from twin.healthcheck.build_items import build_indicator
from twin.healthcheck.summary import SummaryOut
from twin.healthcheck.wire import SweepResult, indicator_out

router = APIRouter(prefix="/api/healthcheck", tags=["healthcheck"])
Ctx = Annotated[SceneContext, Depends(get_ctx)]
MAX_INDICATORS = 10_000


@router.get(
    "/indicators",
    summary="Indicator values (一张表) with their red/amber/green status",
    responses=error_responses(422),
)
def list_indicators(
    ctx: Ctx,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
    area: Annotated[str | None, Query(max_length=100)] = None,
    code: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    values = ctx.health.list_indicators(year=year, area=area, code=code)
    return {"indicators": [indicator_out(v) for v in values]}


@router.put(
    "/indicators",
    summary="Insert or replace indicator values by code, year and area",
    description='Body: `{"indicators": [{code, name, unit, target, comparison, year, area, '
    "area_kind, value, source}, ...]}`; answers how many values changed.",
    responses=error_responses(400, 401, 403, 422),
)
def put_indicators(request: Request, ctx: Ctx, body: Annotated[Any, Body()]) -> dict[str, Any]:
    who = caller(request, ctx, access.INDICATOR_WRITE, "changing indicators")
    items = json_body(body, "indicators").get("indicators")
    if not isinstance(items, list) or len(items) > MAX_INDICATORS:
        raise InvalidInputError(f"indicators: a list of at most {MAX_INDICATORS} values")
    values = [
        build_indicator(json_body(item, f"indicators[{i}]"), f"indicators[{i}]")
        for i, item in enumerate(items)
    ]
    changed = ctx.health.upsert_indicators(values, who.user)
    return {"changed": changed, "indicators": [indicator_out(v) for v in values]}


@router.get(
    "/summary",
    summary="Counts per district, flagged places, indicator colours",
    responses=error_responses(422),
)
def summary(ctx: Ctx, district: Annotated[str | None, Query(max_length=100)] = None) -> SummaryOut:
    return ctx.health.summary(district)


@router.post(
    "/sweep",
    summary="Sweep overdue and idle flags now (admins; the server also sweeps daily)",
    responses=error_responses(401, 403, 422),
)
def sweep(request: Request, ctx: Ctx) -> SweepResult:
    caller(request, ctx, access.SWEEP, "sweeping health-check flags")
    return ctx.health.sweep()
