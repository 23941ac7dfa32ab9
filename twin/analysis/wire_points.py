"""Points and scenarios as analyses receive them (JSON from the API, arguments from the CLI).

A point is ``[lon, lat, h]`` (h in metres above the ellipsoid, as in the tiles) or an
object ``{"lon", "lat", "h"}`` / ``{"lon", "lat", "h_above_ground"}``; a height above
ground is resolved on the terrain by the caller (:class:`PointIn` keeps which was given).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from twin.analysis.scenario import Scenario
from twin.errors import InvalidInputError

MAX_POINTS = 100_000


@dataclass(frozen=True)
class PointIn:
    lon: float
    lat: float
    h: float | None = None
    h_above_ground: float | None = None


def parse_point(value: Any, what: str) -> PointIn:
    if isinstance(value, Mapping):
        unknown = set(value) - {"lon", "lat", "h", "h_above_ground"}
        if unknown:
            raise InvalidInputError(f"{what}: unknown key {sorted(unknown)[0]!r}")
        if ("h" in value) == ("h_above_ground" in value):
            raise InvalidInputError(f"{what}: give exactly one of h and h_above_ground")
        lon, lat = (
            number(value.get("lon"), f"{what}.lon"),
            number(value.get("lat"), f"{what}.lat"),
        )
        if "h" in value:
            point = PointIn(lon, lat, h=number(value["h"], f"{what}.h"))
        else:
            point = PointIn(lon, lat, h_above_ground=number(value["h_above_ground"], what))
    elif isinstance(value, Sequence) and not isinstance(value, str | bytes):
        if len(value) != 3:
            raise InvalidInputError(f"{what} must be [lon, lat, h] (three numbers)")
        point = PointIn(*(number(v, what) for v in value))
    else:
        raise InvalidInputError(f"{what} must be [lon, lat, h] or {{lon, lat, h_above_ground}}")
    if abs(point.lon) > 180 or abs(point.lat) > 90:
        raise InvalidInputError(f"{what}: lon must be within ±180 and lat within ±90 degrees")
    return point


def parse_points(values: Any, what: str) -> list[PointIn]:
    if not isinstance(values, Sequence) or isinstance(values, str | bytes) or not values:
        raise InvalidInputError(f"{what} must be a non-empty list of points")
    if len(values) > MAX_POINTS:
        raise InvalidInputError(f"{what}: at most {MAX_POINTS} points per request")
    return [parse_point(v, f"{what}[{i}]") for i, v in enumerate(values)]


def parse_scenario(value: Any) -> Scenario:
    if value is None:
        return Scenario()
    if not isinstance(value, Mapping):
        raise InvalidInputError("scenario must be an object {add, remove, compare}")
    unknown = set(value) - {"add", "remove", "compare"}
    if unknown:
        raise InvalidInputError(f"scenario: unknown key {sorted(unknown)[0]!r}")
    add = _strings(value.get("add", []), "scenario.add")
    remove = _strings(value.get("remove", []), "scenario.remove")
    compare = value.get("compare", False)
    if not isinstance(compare, bool):
        raise InvalidInputError("scenario.compare must be true or false")
    return Scenario(add=tuple(dict.fromkeys(add)), remove=frozenset(remove), compare=compare)


def parse_layers(value: Any) -> list[str] | None:
    if value is None:
        return None
    return _strings(value, "layers") or None


def _strings(value: Any, what: str) -> list[str]:
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        raise InvalidInputError(f"{what} must be a list of strings")
    if not all(isinstance(v, str) and 0 < len(v) <= 300 for v in value):
        raise InvalidInputError(f"{what} must be a list of non-empty strings")
    return list(value)


def number(value: Any, what: str) -> float:
    """``value`` as a finite float (not a bool), or an error naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInputError(f"{what} must be a number")
    out = float(value)
    if not math.isfinite(out):
        raise InvalidInputError(f"{what} must be a finite number")
    return out


def only_keys(body: Mapping[str, Any], keys: set[str]) -> None:
    """Refuse keys a request does not know, naming the first."""
    unknown = set(body) - keys
    if unknown:
        raise InvalidInputError(
            f"unknown key {sorted(unknown)[0]!r} (expected: {', '.join(sorted(keys))})"
        )
