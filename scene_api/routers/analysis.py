"""``/api/analysis``: sightlines, protected view corridors, sunlight, sky view, streets and
skylines, traced on the server against the published layers (with a scenario)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from scene_api.context import SceneContext, get_ctx
from scene_api.models import error_responses
from scene_api.routers.analysis_models import SightlineIn
from twin.analysis.service import AnalysisService

router = APIRouter(prefix="/api/analysis", tags=["analysis"])
Ctx = Annotated[SceneContext, Depends(get_ctx)]
ERRORS = error_responses(400, 404, 422, 500, 503)


def _service(ctx: SceneContext) -> AnalysisService:
    return ctx.analysis


def _body(model: Any) -> dict[str, Any]:
    out: dict[str, Any] = model.model_dump(by_alias=True, exclude_none=True)
    return out


@router.post(
    "/sightline",
    summary="Is one point visible from another, and what stands in the way",
    description="The segment `from` → `to` traced through the scene; every feature it "
    "crosses, nearest first, with the distance and the point where the line enters it.",
    responses=ERRORS,
)
def sightline(body: SightlineIn, ctx: Ctx) -> dict[str, Any]:
    return _service(ctx).sightline(_body(body))
