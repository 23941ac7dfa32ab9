"""``/api/analysis``: sightlines, protected view corridors, sunlight, sky view, streets and
skylines, traced on the server against the published layers (with a scenario)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from scene_api.context import SceneContext, get_ctx
from scene_api.models import error_responses
from scene_api.routers.analysis_models import (
    CorridorIn,
    SightlineIn,
    SkylineIn,
    SkyViewIn,
    StreetsIn,
    SunlightIn,
)
from scene_api.services import access
from scene_api.services.identity import principal_of
from twin.analysis import run_corridor
from twin.analysis.service import AnalysisService

router = APIRouter(prefix="/api/analysis", tags=["analysis"])
Ctx = Annotated[SceneContext, Depends(get_ctx)]
ERRORS = error_responses(400, 404, 422, 500, 503)
CorridorId = Annotated[
    str, Path(description="a corridor id (from POST /corridor)", max_length=run_corridor.MAX_ID)
]
SAVERS = ("planner", "reviewer")


def _service(ctx: SceneContext) -> AnalysisService:
    return ctx.analysis


def _body(model: Any, request: Request, ctx: SceneContext) -> dict[str, Any]:
    """The request as a dict, limited to the layers the caller may read."""
    out: dict[str, Any] = model.model_dump(by_alias=True, exclude_none=True)
    return access.analysis_body(request, ctx, out)


@router.post(
    "/sightline",
    summary="Is one point visible from another, and what stands in the way",
    description="The segment `from` → `to` traced through the scene; every feature it "
    "crosses, nearest first, with the distance and the point where the line enters it.",
    responses=ERRORS,
)
def sightline(body: SightlineIn, request: Request, ctx: Ctx) -> dict[str, Any]:
    return _service(ctx).sightline(_body(body, request, ctx))


@router.post(
    "/sunlight",
    summary="Sunlight hours (日照) at points or on a building's facades",
    description="Sunshine per point on a day (default: 大寒 of this year) within a window of "
    "true solar time (default 08:00-16:00), in steps of `step_min`: total and longest "
    "continuous minutes, the sunlit periods, and pass/fail against `required_hours`. "
    "With `building` its facades are sampled every `spacing_m`.",
    responses=ERRORS,
)
def sunlight(body: SunlightIn, request: Request, ctx: Ctx) -> dict[str, Any]:
    return _service(ctx).sunlight(_body(body, request, ctx))


@router.post(
    "/svf",
    summary="Sky view factor at points",
    description="The cosine-weighted share of the sky hemisphere seen from each point "
    "(1 in the open; 0.447 at the centre of a street canyon as high as it is wide).",
    responses=ERRORS,
)
def sky_view(body: SkyViewIn, request: Request, ctx: Ctx) -> dict[str, Any]:
    return _service(ctx).sky_view(_body(body, request, ctx))


@router.post(
    "/streets",
    summary="Street indicators: height/width ratio, sky view, green view",
    description="Per street centre line (GeoJSON LineStrings): the median building-to-"
    "building width, the mean height of the street walls, their ratio (街道高宽比), the "
    "mean sky view factor and the green view ratio at stations along it.",
    responses=ERRORS,
)
def streets(body: StreetsIn, request: Request, ctx: Ctx) -> dict[str, Any]:
    return _service(ctx).streets(_body(body, request, ctx))


@router.post(
    "/skyline",
    summary="How much of a ridgeline stays visible from a viewpoint",
    description="The ridge (points, a GeoJSON LineString, or the terrain's own horizon "
    "over `azimuth`) traced from the eye: the visible share of its length and the "
    "features hiding the rest.",
    responses=ERRORS,
)
def skyline(body: SkylineIn, request: Request, ctx: Ctx) -> dict[str, Any]:
    return _service(ctx).skyline(_body(body, request, ctx))


@router.post(
    "/skyline/panorama.png",
    summary="Panorama image of the skyline (before above after when comparing)",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}}},
        **error_responses(400, 404, 422, 500, 503, by_ref=True),
    },
)
def panorama(body: SkylineIn, request: Request, ctx: Ctx) -> Response:
    return Response(_service(ctx).panorama(_body(body, request, ctx)), media_type="image/png")


@router.post(
    "/corridor",
    summary="Protected view corridor: what intrudes above the threshold plane",
    description="The London View Management Framework construction: a plane from the "
    "viewer's eye (viewpoint + `eye_height_m`) to `target_height_m` at the target(s) (or the "
    "line of sight lowered by `metres`), with the Earth's curvature and refraction. Returns "
    "the corridor on the ground and every feature reaching above the plane (maximum "
    "intrusion, intruding volume), and links to its max-height surface. `save: true` keeps "
    "the corridor under a short id (needs a planner's or reviewer's bearer token).",
    responses=error_responses(400, 401, 403, 404, 422, 500, 503),
)
def corridor(body: CorridorIn, request: Request, ctx: Ctx) -> dict[str, Any]:
    saved_by = None
    if body.save:
        principal = principal_of(request, ctx.settings)
        principal.require(SAVERS, "saving a corridor")
        saved_by = principal.user
    return _service(ctx).corridor(_body(body, request, ctx), saved_by=saved_by)


@router.get(
    "/corridors",
    summary="Saved view corridors",
    responses=error_responses(500, 503),
)
def list_corridors(ctx: Ctx) -> dict[str, Any]:
    return {"corridors": run_corridor.list_saved(ctx.store)}


@router.get(
    "/corridors/max-height.tif",
    summary="Max buildable height over several corridors (the lowest limit wins)",
    response_class=Response,
    responses={
        200: {"content": {"image/tiff": {}}},
        **error_responses(400, 404, 422, 500, 503, by_ref=True),
    },
)
def union_max_height(
    ctx: Ctx,
    ids: Annotated[str, Query(description="comma-separated corridor ids", max_length=200_000)],
) -> Response:
    names = [i for i in ids.split(",") if i]
    data = run_corridor.max_height_tif(_service(ctx), names)
    return Response(data, media_type="image/tiff", headers=_attachment("max-height.tif"))


@router.get(
    "/corridor/{corridor_id}",
    summary="A corridor's definition",
    responses=error_responses(400, 404, 422, 500, 503),
)
def get_corridor(corridor_id: CorridorId, ctx: Ctx) -> dict[str, Any]:
    d = run_corridor.resolve_id(ctx.store, corridor_id)
    return {"id": corridor_id, "definition": d}


@router.get(
    "/corridor/{corridor_id}/max-height.tif",
    summary="Max buildable height inside a corridor (GeoTIFF)",
    description="Two float32 bands on an EPSG:4326 grid: metres above ground, metres above "
    "the ellipsoid; no data (NaN) outside the corridor.",
    response_class=Response,
    responses={
        200: {"content": {"image/tiff": {}}},
        **error_responses(400, 404, 422, 500, 503, by_ref=True),
    },
)
def max_height_tif(corridor_id: CorridorId, ctx: Ctx) -> Response:
    data = run_corridor.max_height_tif(_service(ctx), [corridor_id])
    return Response(data, media_type="image/tiff", headers=_attachment("max-height.tif"))


@router.get(
    "/corridor/{corridor_id}/max-height.png",
    summary="Max buildable height inside a corridor as a coloured overlay (PNG)",
    description="Red at 0 m above ground through yellow to green; transparent outside. "
    "`X-Bounds` holds west,south,east,north in degrees.",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}}},
        **error_responses(400, 404, 422, 500, 503, by_ref=True),
    },
)
def max_height_png(corridor_id: CorridorId, ctx: Ctx) -> Response:
    data, bounds = run_corridor.max_height_png(_service(ctx), [corridor_id])
    headers = {"X-Bounds": ",".join(f"{b:.9f}" for b in bounds), "Cache-Control": "max-age=3600"}
    return Response(data, media_type="image/png", headers=headers)


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}
