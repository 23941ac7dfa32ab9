"""``/api/healthcheck``: the indicator table (一张表), the command centre's summary, the
daily sweep of overdue and idle flags, imports (XLSX, GeoJSON, GeoPackage), XLSX exports
and the printable report (problems and projects: ``routers/problems.py``, ``projects.py``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from scene_api.context import SceneContext, get_ctx
from scene_api.models import error_responses
from scene_api.routers.hc_shared import MB, allowed_for, caller, json_body
from scene_api.services.uploads import remove, spool, work_dir
from twin.errors import InvalidInputError
from twin.healthcheck import access
from twin.healthcheck.build_items import build_indicator
from twin.healthcheck.io_read import SUFFIXES, read_items
from twin.healthcheck.io_xlsx import write_indicators_xlsx, write_problems_xlsx
from twin.healthcheck.report_pdf import render_report_pdf
from twin.healthcheck.summary import SummaryOut
from twin.healthcheck.wire import ImportCounts, SweepResult, indicator_out

router = APIRouter(prefix="/api/healthcheck", tags=["healthcheck"])
Ctx = Annotated[SceneContext, Depends(get_ctx)]
MAX_INDICATORS = 10_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SAFE_NAME = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff][0-9A-Za-z\u4e00-\u9fff_.() -]{0,99}$")


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


def _upload_name(given: str | None) -> str:
    """A safe local name keeping the upload's suffix (the readers go by it)."""
    name = Path((given or "").replace("\\", "/")).name
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidInputError(
            f"file: {name[:60]!r} is not an import file ({', '.join(SUFFIXES)})", column="file"
        )
    return name if _SAFE_NAME.match(name) and ".." not in name else f"upload{suffix}"


@router.post(
    "/import",
    summary="Import indicators, problems or projects (XLSX, GeoJSON, GeoPackage)",
    description="Multipart: `file` and `kind` = indicators | problems | projects. All or "
    "nothing: any bad row refuses the whole file (400 naming rows and columns); items are "
    "upserted by id (indicators by code, year and area).",
    responses=error_responses(400, 401, 403, 409, 413, 422),
)
async def import_file(
    request: Request,
    ctx: Ctx,
    file: Annotated[UploadFile, File()],
    kind: Annotated[Literal["indicators", "problems", "projects"], Form()],
) -> ImportCounts:
    who = caller(request, ctx, access.IMPORT, "importing health-check data")
    name = _upload_name(file.filename)
    health = ctx.health
    limit = ctx.settings.healthcheck.max_import_mb * MB
    folder = work_dir(ctx.settings.data_dir / "tmp")
    try:
        path = await spool(file, folder, name, limit)
        items = await run_in_threadpool(
            read_items, kind, path, health.stages, health.today(), max_bytes=limit
        )
        departments = [p.department for p in items.problems]
        departments += [j.department for j in items.projects]
        allowed_for(who, access.IMPORT, f"importing {kind}", *departments)
        return await run_in_threadpool(
            health.import_batch, items.indicators, items.problems, items.projects, who.user
        )
    finally:
        remove(folder)


@router.get(
    "/export",
    summary="The indicator table or the problem list as XLSX",
    response_class=Response,
    responses={
        200: {"content": {XLSX: {}}, "description": "the workbook (an attachment)"},
        **error_responses(422, by_ref=True),
    },
)
def export_xlsx(
    ctx: Ctx,
    what: Annotated[Literal["indicators", "problems"], Query()],
    format: Annotated[Literal["xlsx"], Query()] = "xlsx",
) -> Response:
    health = ctx.health
    today = health.today()
    if what == "indicators":
        data = write_indicators_xlsx(health.list_indicators())
    else:
        data = write_problems_xlsx(health.list_problems(), today)
    name = f"healthcheck-{what}-{today.isoformat()}.xlsx"
    return Response(
        data,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/report.pdf",
    summary="The printable health-check report (PDF)",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "the report"},
        **error_responses(422, by_ref=True),
    },
)
def report_pdf(ctx: Ctx, district: Annotated[str | None, Query(max_length=100)] = None) -> Response:
    health = ctx.health
    data = render_report_pdf(
        health.summary(district),
        health.list_indicators(),
        health.list_problems(),
        health.list_projects(),
        health.stages,
        district=district,
    )
    name = f"healthcheck-report-{health.today().isoformat()}.pdf"
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )
