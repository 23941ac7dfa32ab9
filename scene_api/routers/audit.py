"""``/api/audit``: the append-only audit log of every write, for admins (JSON or CSV)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from scene_api.context import SceneContext, get_ctx
from scene_api.models import error_responses
from scene_api.services.identity import principal_of
from storage.auth.audit import MAX_PAGE, entries_csv

router = APIRouter(prefix="/api/audit", tags=["audit"])
Ctx = Annotated[SceneContext, Depends(get_ctx)]


@router.get(
    "",
    summary="Audit entries after a sequence number (admins only)",
    responses=error_responses(400, 401, 403, 422, 503),
    response_model=None,
)
async def list_audit(
    request: Request,
    ctx: Ctx,
    since: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1000,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    action: Annotated[str | None, Query(max_length=200, description="prefix")] = None,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> dict[str, Any] | Response:
    who = await run_in_threadpool(principal_of, request, ctx.settings)
    who.require({"admin"}, "reading the audit log")
    entries = await run_in_threadpool(
        lambda: ctx.audit.entries(since=since, limit=limit, actor=actor, action_prefix=action)
    )
    if format == "csv":
        return Response(
            entries_csv(entries).encode("utf-8-sig"),  # a BOM: spreadsheets read it as UTF-8
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="twin-audit.csv"'},
        )
    last = entries[-1].seq if entries else since
    return {"entries": [e.to_dict() for e in entries], "next_since": last}
