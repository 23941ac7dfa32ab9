"""Request bodies of ``/api/analysis`` (for validation of shapes and the OpenAPI document).

Values are checked again, with messages naming the field, by ``twin.analysis`` (which the
CLI shares); these models only describe the wire.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

Point = list[float] | dict[str, float]
POINT_DOC = (
    "[lon, lat, h] with h in metres above the ellipsoid (as in the tiles), or "
    "{lon, lat, h_above_ground} resolved on the terrain"
)


class ScenarioIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    add: list[str] = Field(default_factory=list, description="layers added (e.g. a submission)")
    remove: list[str] = Field(
        default_factory=list, description="feature ids removed (e.g. buildings to be demolished)"
    )
    compare: StrictBool = Field(default=False, description="also run on the unchanged scene")


class AnalysisIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    layers: list[str] | None = Field(
        default=None,
        description="layers to trace against; default: every visible layer with surfaces "
        "that is not a BIM submission",
    )
    scenario: ScenarioIn | None = None


class SightlineIn(AnalysisIn):
    from_: Point = Field(alias="from", description=POINT_DOC)
    to: Point = Field(description=POINT_DOC)


class PlaneThresholdIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["plane"]
    target_height_m: float = Field(
        description="threshold height at the target, above the ellipsoid"
    )


class ClearanceThresholdIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["clearance"]
    metres: float = Field(description="required clearance below the line of sight")


class CorridorIn(AnalysisIn):
    viewpoint: Point = Field(description="assessment point on the ground: " + POINT_DOC)
    targets: list[Point] = Field(
        min_length=1,
        description="a landmark point, or the left and right edges of a wider view (in order)",
    )
    eye_height_m: float = 1.6
    threshold: PlaneThresholdIn | ClearanceThresholdIn = Field(discriminator="kind")
    half_width_m: float = Field(default=10.0, description="half width at a single target")
    cell_m: float = Field(default=2.0, description="sampling cell size in metres")
    name: str | None = Field(default=None, max_length=200)
    save: bool = Field(default=False, description="keep the corridor (needs a planner's token)")


class SunlightIn(AnalysisIn):
    points: list[Point] | None = Field(default=None, description="points, or give building")
    normals: list[list[float]] | None = Field(
        default=None, description="east, north, up surface normal per point (facade points)"
    )
    building: str | None = Field(default=None, description="feature id: sample its facades")
    date: str | None = Field(default=None, description="YYYY-MM-DD; default 大寒 of this year")
    window: list[str] = Field(
        default_factory=lambda: ["08:00", "16:00"], description="true solar time"
    )
    step_min: float = 1.0
    required_hours: float | None = 2.0
    spacing_m: float = Field(default=3.0, description="facade sampling step (building)")


class SkyViewIn(AnalysisIn):
    points: list[Point] = Field(min_length=1)
    normals: list[list[float]] | None = None
    rays: int = Field(default=2048, ge=64, le=65536)


class StreetsIn(AnalysisIn):
    streets: dict[str, object] = Field(
        description="GeoJSON FeatureCollection of LineString street centre lines (lon/lat)"
    )
    spacing_m: float = 20.0


class SkylineIn(AnalysisIn):
    viewpoint: Point = Field(description="the viewer on the ground: " + POINT_DOC)
    eye_height_m: float = 1.6
    ridge: list[Point] | None = Field(
        default=None, description="ridgeline points; default: derived from the terrain"
    )
    azimuth: list[float] | None = Field(
        default=None, description="[from, to] degrees clockwise from north (derived ridge, image)"
    )
