"""``/healthz``: are the catalog and the object store reachable?"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from scene_api.context import SceneContext, get_ctx
from scene_api.models import HealthModel
from scene_api.services.health import health

router = APIRouter(tags=["health"])

Ctx = Annotated[SceneContext, Depends(get_ctx)]


@router.get(
    "/healthz",
    summary="Health of the catalog and the object store",
    response_model=HealthModel,
    responses={503: {"model": HealthModel, "description": "a backend is unreachable"}},
)
def healthz(ctx: Ctx) -> JSONResponse:
    status = health(ctx.catalog, ctx.store)
    code = 200 if status["status"] == "ok" else 503
    return JSONResponse(dict(status), status_code=code, headers={"Cache-Control": "no-store"})
