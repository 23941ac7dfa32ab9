"""``/api/analysis``: sightlines, protected view corridors, sunlight, sky view, streets and
skylines, traced on the server against the published layers (with a scenario)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from scene_api.context import SceneContext, get_ctx
from scene_api.models import error_responses
from scene_api.routers.analysis_models import (
    SightlineIn,
    SkylineIn,
    SkyViewIn,
    StreetsIn,
    SunlightIn,
)
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


@router.post(
    "/sunlight",
    summary="Sunlight hours (日照) at points or on a building's facades",
    description="Sunshine per point on a day (default: 大寒 of this year) within a window of "
    "true solar time (default 08:00-16:00), in steps of `step_min`: total and longest "
    "continuous minutes, the sunlit periods, and pass/fail against `required_hours`. "
    "With `building` its facades are sampled every `spacing_m`.",
    responses=ERRORS,
)
def sunlight(body: SunlightIn, ctx: Ctx) -> dict[str, Any]:
    return _service(ctx).sunlight(_body(body))


@router.post(
    "/svf",
    summary="Sky view factor at points",
    description="The cosine-weighted share of the sky hemisphere seen from each point "
    "(1 in the open; 0.447 at the centre of a street canyon as high as it is wide).",
    responses=ERRORS,
)
def sky_view(body: SkyViewIn, ctx: Ctx) -> dict[str, Any]:
    return _service(ctx).sky_view(_body(body))


@router.post(
    "/streets",
    summary="Street indicators: height/width ratio, sky view, green view",
    description="Per street centre line (GeoJSON LineStrings): the median building-to-"
    "building width, the mean height of the street walls, their ratio (街道高宽比), the "
    "mean sky view factor and the green view ratio at stations along it.",
    responses=ERRORS,
)
def streets(body: StreetsIn, ctx: Ctx) -> dict[str, Any]:
    return _service(ctx).streets(_body(body))


@router.post(
    "/skyline",
    summary="How much of a ridgeline stays visible from a viewpoint",
    description="The ridge (points, a GeoJSON LineString, or the terrain's own horizon "
    "over `azimuth`) traced from the eye: the visible share of its length and the "
    "features hiding the rest.",
    responses=ERRORS,
)
def skyline(body: SkylineIn, ctx: Ctx) -> dict[str, Any]:
    return _service(ctx).skyline(_body(body))


@router.post(
    "/skyline/panorama.png",
    summary="Panorama image of the skyline (before above after when comparing)",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}}},
        **error_responses(400, 404, 422, 500, 503, by_ref=True),
    },
)
def panorama(body: SkylineIn, ctx: Ctx) -> Response:
    return Response(_service(ctx).panorama(_body(body)), media_type="image/png")
