"""Protected view corridors (视线通廊 / LVMF) as the API and the CLI run them.

A corridor's **id** describes it: ``v1.`` + the base64url of its compressed canonical
definition (viewpoint with its height resolved, targets, eye height, threshold, width,
cell size, layers), so its max-height surface can be fetched from any server worker with
no state kept. A corridor **saved** by a planner gets a short id ``c`` + 16 hex digits
of its definition's hash, and its definition is stored (``analysis/corridors/<id>.json``)
with who saved it and when; saved corridors are listed and their surfaces combined.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
import zlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from storage.objects.protocol import ObjectStore
from twin.analysis.corridor import CorridorResult, check_corridor
from twin.analysis.corridor_threshold import (
    ClearanceThreshold,
    CorridorSpec,
    PlaneThreshold,
    Threshold,
    corridor_polygon,
    threshold_height,
)
from twin.analysis.max_height import (
    MaxHeightGrid,
    geotiff_bytes,
    max_height_grid,
    overlay_bounds,
    overlay_png,
)
from twin.analysis.ray_scene import RayScene
from twin.analysis.wire_points import number, only_keys, parse_layers, parse_point, parse_points
from twin.errors import InvalidInputError, NotFoundError, ObjectNotFoundError

if TYPE_CHECKING:
    from twin.analysis.service import AnalysisService

KEYS = {
    "viewpoint",
    "targets",
    "eye_height_m",
    "threshold",
    "half_width_m",
    "cell_m",
    "name",
    "save",
    "layers",
    "scenario",
}
PREFIX = "analysis/corridors/"
SAVED_ID = re.compile(r"^c[0-9a-f]{16}$")
MAX_ID = 4096
MAX_UNION = 50


def parse_threshold(value: Any) -> Threshold:
    if not isinstance(value, Mapping):
        raise InvalidInputError(
            "threshold must be {kind: plane, target_height_m} or {kind: clearance, metres}"
        )
    kind = value.get("kind")
    if kind == "plane":
        only_keys(value, {"kind", "target_height_m"})
        return PlaneThreshold(number(value.get("target_height_m"), "threshold.target_height_m"))
    if kind == "clearance":
        only_keys(value, {"kind", "metres"})
        return ClearanceThreshold(number(value.get("metres"), "threshold.metres"))
    raise InvalidInputError("threshold.kind must be 'plane' or 'clearance'")


def threshold_json(t: Threshold) -> dict[str, Any]:
    if isinstance(t, PlaneThreshold):
        return {"kind": "plane", "target_height_m": t.target_height_m}
    return {"kind": "clearance", "metres": t.metres}


def definition(
    svc: AnalysisService, body: Mapping[str, Any], layers: Sequence[str]
) -> dict[str, Any]:
    """The canonical definition of the requested corridor (heights resolved on the terrain)."""
    if body.get("viewpoint") is None or body.get("targets") is None:
        raise InvalidInputError("'viewpoint' and 'targets' are required")
    ground = svc.ground(layers)
    viewpoint = svc.resolve([parse_point(body["viewpoint"], "viewpoint")], ground)[0]
    targets = svc.resolve(parse_points(body["targets"], "targets"), ground)
    out: dict[str, Any] = {
        "viewpoint": [round(float(v), 9) for v in viewpoint],
        "targets": [[round(float(v), 9) for v in t] for t in targets],
        "eye_height_m": number(body.get("eye_height_m", 1.6), "eye_height_m"),
        "threshold": threshold_json(parse_threshold(body.get("threshold"))),
        "half_width_m": number(body.get("half_width_m", 10.0), "half_width_m"),
        "cell_m": number(body.get("cell_m", 2.0), "cell_m"),
    }
    if not 0.25 <= out["cell_m"] <= 100.0:
        raise InvalidInputError("cell_m must be between 0.25 and 100 m")
    if parse_layers(body.get("layers")):
        out["layers"] = list(layers)
    spec_of(out)  # validates
    return out


def spec_of(d: Mapping[str, Any]) -> CorridorSpec:
    return CorridorSpec(
        viewpoint=tuple(d["viewpoint"]),
        targets=tuple(tuple(t) for t in d["targets"]),
        threshold=parse_threshold(d["threshold"]),
        eye_height_m=float(d["eye_height_m"]),
        half_width_m=float(d["half_width_m"]),
    )


def encode_id(d: Mapping[str, Any]) -> str:
    raw = json.dumps(d, sort_keys=True, separators=(",", ":")).encode()
    return "v1." + base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")


def saved_id(d: Mapping[str, Any]) -> str:
    raw = json.dumps(d, sort_keys=True, separators=(",", ":")).encode()
    return "c" + hashlib.sha256(raw).hexdigest()[:16]


def resolve_id(store: ObjectStore, corridor_id: str) -> dict[str, Any]:
    """The definition behind a corridor id (decoded, or read from the store when saved)."""
    if SAVED_ID.match(corridor_id):
        try:
            doc: dict[str, Any] = json.loads(store.get_bytes(f"{PREFIX}{corridor_id}.json"))
        except ObjectNotFoundError:
            raise NotFoundError(f"no saved corridor {corridor_id!r}") from None
        definition_: dict[str, Any] = doc["definition"]
        return definition_
    if not corridor_id.startswith("v1.") or len(corridor_id) > MAX_ID:
        raise InvalidInputError("not a corridor id")
    try:
        text = corridor_id[3:]
        raw = zlib.decompress(
            base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), bufsize=MAX_ID
        )
        d = json.loads(raw)
        if not isinstance(d, dict):
            raise ValueError
        spec_of(d)
        parse_layers(d.get("layers"))
    except (binascii.Error, zlib.error, ValueError, KeyError, TypeError):
        raise InvalidInputError("not a corridor id") from None
    return d


def run_corridor(
    svc: AnalysisService, body: Mapping[str, Any], *, saved_by: str | None = None
) -> dict[str, Any]:
    only_keys(body, KEYS)
    pair = svc.scene_pair(body)
    d = definition(svc, body, pair.layers)
    spec = spec_of(d)
    cell = float(d["cell_m"])
    corridor_id = encode_id(d)
    if body.get("save"):
        if saved_by is None:
            raise InvalidInputError("saving a corridor needs a signed-in planner")
        corridor_id = save(svc.store, d, name=str(body.get("name") or ""), user=saved_by)

    def run(scene: RayScene) -> CorridorResult:
        return check_corridor(scene, spec, cell_m=cell)

    after = run(pair.after)
    out: dict[str, Any] = {
        "id": corridor_id,
        "name": body.get("name"),
        "saved": bool(body.get("save")),
        "polygon": shapely.geometry.mapping(after.polygon),
        "threshold": d["threshold"],
        "threshold_surface": {
            "eye": [*d["viewpoint"][:2], d["viewpoint"][2] + d["eye_height_m"]],
            "targets": surface_targets(d),
        },
        "cell_m": after.cell_m,
        "cells": after.cells,
        "max_height": max_height_links(corridor_id, spec),
        "layers": list(pair.layers),
    }
    if pair.before is None:
        out["intrusions"] = intrusions_json(after)
    else:
        out["before"] = {"intrusions": intrusions_json(run(pair.before))}
        out["after"] = {"intrusions": intrusions_json(after)}
    return out


def surface_targets(d: Mapping[str, Any]) -> list[list[float]]:
    """The threshold surface's height over each target (for drawing the wedge)."""
    spec = spec_of(d)
    lon = np.asarray([t[0] for t in spec.targets], dtype=np.float64)
    lat = np.asarray([t[1] for t in spec.targets], dtype=np.float64)
    h = threshold_height(spec, lon, lat)
    return [[float(a), float(b), round(float(c), 3)] for a, b, c in zip(lon, lat, h, strict=True)]


def intrusions_json(result: CorridorResult) -> list[dict[str, Any]]:
    return [
        {
            "feature_id": i.feature_id,
            "layer": i.layer,
            "kind": i.kind,
            "max_intrusion_m": round(i.max_intrusion_m, 3),
            "volume_m3": round(i.volume_m3, 1),
            "point": [i.point[0], i.point[1], round(i.point[2], 3)],
        }
        for i in result.intrusions
    ]


def max_height_links(corridor_id: str, spec: CorridorSpec) -> dict[str, Any]:
    base = f"/api/analysis/corridor/{corridor_id}/max-height"
    bounds = shapely.bounds(corridor_polygon(spec)).tolist()
    return {"tif": base + ".tif", "png": base + ".png", "rectangle": bounds}


def save(store: ObjectStore, d: Mapping[str, Any], *, name: str, user: str) -> str:
    corridor_id = saved_id(d)
    doc = {
        "id": corridor_id,
        "name": name[:200],
        "definition": dict(d),
        "saved_by": user,
        "saved_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    store.put_bytes(
        f"{PREFIX}{corridor_id}.json",
        json.dumps(doc, ensure_ascii=False).encode(),
        content_type="application/json",
    )
    return corridor_id


def list_saved(store: ObjectStore) -> list[dict[str, Any]]:
    out = []
    for info in store.list(PREFIX):
        if info.key.endswith(".json"):
            doc = json.loads(store.get_bytes(info.key))
            out.append(
                {k: doc[k] for k in ("id", "name", "saved_by", "saved_at")}
                | {"definition": doc["definition"]}
            )
    return sorted(out, key=lambda d: str(d["saved_at"]))


def max_height(svc: AnalysisService, ids: Sequence[str]) -> MaxHeightGrid:
    """The max buildable height surface of one corridor, or the union (lowest limit) of
    several."""
    if not ids:
        raise InvalidInputError("give at least one corridor id")
    if len(ids) > MAX_UNION:
        raise InvalidInputError(f"at most {MAX_UNION} corridors at once")
    defs = [resolve_id(svc.store, i) for i in ids]
    layers: list[str] = []
    for d in defs:
        layers.extend(d.get("layers") or [r.id for r in svc.scenes.base_layers(None)])
    ground = svc.ground(list(dict.fromkeys(layers)))
    cell = min(float(d["cell_m"]) for d in defs)
    return max_height_grid([spec_of(d) for d in defs], ground, cell_m=cell)


def max_height_tif(svc: AnalysisService, ids: Sequence[str]) -> bytes:
    return geotiff_bytes(max_height(svc, ids))


def max_height_png(svc: AnalysisService, ids: Sequence[str]) -> tuple[bytes, tuple[float, ...]]:
    grid = max_height(svc, ids)
    return overlay_png(grid), overlay_bounds(grid)
