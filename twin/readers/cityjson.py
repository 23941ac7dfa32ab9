"""Read CityJSON 1.1 / 2.0 files and CityJSONSeq (``.jsonl``) streams into a :class:`CityModel`.

Vertices are integers under ``transform`` (scale, translate). Geometries of type
MultiSurface, CompositeSurface, Solid, MultiSolid and CompositeSolid are read with
their semantic surface per polygon; a GeometryInstance (template) is expanded with
its transformation matrix and reference point. Every vertex index is checked: a
dangling one is an :class:`InvalidInputError` naming the object and the index.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from twin.errors import InvalidInputError
from twin.readers.citymodel import (
    BUILDING_CLASSES,
    F64,
    CityModel,
    CityObject,
    Surface,
    choose_lod,
    epsg_of,
)

SUPPORTED_VERSIONS = ("1.1", "2.0")
_DEPTH = {  # nesting of boundaries above the surface level
    "MultiSurface": 0,
    "CompositeSurface": 0,
    "Solid": 1,
    "MultiSolid": 2,
    "CompositeSolid": 2,
}


def read_cityjson(path: Path, *, lod: int = 2) -> CityModel:
    """A CityJSON file (``.json``) or a CityJSONSeq file (``.jsonl``), by content."""
    text = _read_text(path)
    lines = [line for line in text.splitlines() if line.strip()]
    try:
        if len(lines) > 1 and _is_seq_header(lines[0]):
            return _read_seq(path.name, lines, lod)
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(
            f"{path.name}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    header = _check_header(path.name, doc, "CityJSON")
    objects = doc.get("CityObjects")
    if not isinstance(objects, dict):
        raise InvalidInputError(f"{path.name}: CityJSON without a CityObjects object")
    vertices = _vertices(path.name, doc.get("vertices"), header["transform"])
    templates = _templates(path.name, doc.get("geometry-templates"))
    out = _buildings(objects, vertices, templates, lod)
    return CityModel(path.name, "CityJSON", header["version"], header["crs"], tuple(out))


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInputError(f"{path.name}: not a UTF-8 text file") from None
    except OSError as exc:
        raise InvalidInputError(f"{path.name}: cannot be read ({exc.strerror})") from None


def _is_seq_header(line: str) -> bool:
    try:
        first = json.loads(line)
    except json.JSONDecodeError:
        return False
    return isinstance(first, dict) and first.get("type") == "CityJSON"


def _read_seq(name: str, lines: list[str], lod: int) -> CityModel:
    header = _check_header(name, json.loads(lines[0]), "CityJSONSeq")
    templates = _templates(name, json.loads(lines[0]).get("geometry-templates"))
    out: list[CityObject] = []
    for number, line in enumerate(lines[1:], start=2):
        try:
            feature = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInputError(
                f"{name}: line {number} is not valid JSON ({exc.msg})"
            ) from None
        if not isinstance(feature, dict) or feature.get("type") != "CityJSONFeature":
            raise InvalidInputError(f"{name}: line {number} is not a CityJSONFeature")
        objects = feature.get("CityObjects")
        if not isinstance(objects, dict):
            raise InvalidInputError(f"{name}: line {number} has no CityObjects object")
        vertices = _vertices(name, feature.get("vertices"), header["transform"])
        out.extend(_buildings(objects, vertices, templates, lod))
    return CityModel(name, "CityJSONSeq", header["version"], header["crs"], tuple(out))


def _check_header(name: str, doc: Any, what: str) -> dict[str, Any]:
    if not isinstance(doc, dict) or doc.get("type") != "CityJSON":
        raise InvalidInputError(f'{name}: not a {what} file (no "type": "CityJSON")')
    version = str(doc.get("version", ""))
    if version not in SUPPORTED_VERSIONS:
        raise InvalidInputError(
            f"{name}: CityJSON version {version or '(none)'} is not supported "
            f"(supported: {', '.join(SUPPORTED_VERSIONS)})"
        )
    transform = doc.get("transform")
    if not isinstance(transform, dict):
        raise InvalidInputError(f"{name}: CityJSON {version} needs a transform (scale, translate)")
    try:
        scale = np.asarray(transform["scale"], dtype=np.float64).reshape(3)
        translate = np.asarray(transform["translate"], dtype=np.float64).reshape(3)
    except (KeyError, TypeError, ValueError):
        raise InvalidInputError(
            f"{name}: the transform needs 3 scale and 3 translate values"
        ) from None
    metadata = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    crs = epsg_of(str(metadata.get("referenceSystem") or "")) if metadata else None
    return {"version": version, "transform": (scale, translate), "crs": crs}


def _vertices(name: str, raw: Any, transform: tuple[F64, F64]) -> F64:
    try:
        ints = np.asarray(raw if raw is not None else [], dtype=np.float64).reshape(-1, 3)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name}: vertices must be a list of [x, y, z] integers") from None
    scale, translate = transform
    out: F64 = ints * scale + translate
    return out


def _templates(name: str, raw: Any) -> tuple[list[Any], F64]:
    if not isinstance(raw, dict):
        return [], np.zeros((0, 3))
    try:
        verts = np.asarray(raw.get("vertices-templates", []), dtype=np.float64).reshape(-1, 3)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name}: geometry-templates has invalid vertices") from None
    return list(raw.get("templates", [])), verts


def _buildings(
    objects: Mapping[str, Any],
    vertices: F64,
    templates: tuple[list[Any], F64],
    lod: int,
) -> list[CityObject]:
    out: list[CityObject] = []
    for oid, obj in objects.items():
        if not isinstance(obj, dict) or obj.get("type") not in BUILDING_CLASSES:
            continue
        geoms = [g for g in obj.get("geometry") or [] if isinstance(g, dict)]
        chosen = choose_lod([str(g.get("lod", "")) for g in geoms], lod)
        surfaces: list[Surface] = []
        for g in geoms:
            if str(g.get("lod", "")) == chosen:
                surfaces.extend(_geometry(oid, g, vertices, templates))
        parents = obj.get("parents") or []
        attributes = dict(obj.get("attributes") or {})
        out.append(
            CityObject(
                id=str(oid),
                cls=str(obj["type"]),
                parent_id=str(parents[0]) if parents else None,
                lod=chosen,
                attributes=attributes,
                surfaces=tuple(surfaces),
            )
        )
    return out


def _geometry(
    oid: str, g: Mapping[str, Any], vertices: F64, templates: tuple[list[Any], F64]
) -> list[Surface]:
    kind = g.get("type")
    if kind == "GeometryInstance":
        return _instance(oid, g, vertices, templates)
    if kind not in _DEPTH:
        return []  # points and lines have no surfaces
    return _surfaces(oid, g, vertices)


def _surfaces(oid: str, g: Mapping[str, Any], vertices: F64) -> list[Surface]:
    depth = _DEPTH[str(g["type"])]
    semantics = g.get("semantics") if isinstance(g.get("semantics"), dict) else None
    types = [
        str(s.get("type")) if isinstance(s, dict) else None
        for s in (semantics or {}).get("surfaces", [])
    ]
    values = (semantics or {}).get("values")
    out: list[Surface] = []
    for polygon, value in _walk(g.get("boundaries") or [], values, depth):
        rings = []
        for ring in polygon:
            idx = np.asarray(ring, dtype=np.int64)
            bad = idx[(idx < 0) | (idx >= len(vertices))]
            if len(bad):
                raise InvalidInputError(
                    f"CityObject {oid!r}: vertex index {int(bad[0])} does not exist "
                    f"(the file has {len(vertices)} vertices)"
                )
            rings.append(vertices[idx])
        if rings and len(rings[0]) >= 3:
            label = types[value] if isinstance(value, int) and 0 <= value < len(types) else None
            out.append(Surface(label, tuple(rings)))
    return out


def _walk(boundaries: Sequence[Any], values: Any, depth: int) -> Iterable[tuple[Any, Any]]:
    """(polygon, semantic value) pairs of a boundary array ``depth`` levels above surfaces."""
    for i, item in enumerate(boundaries):
        sub = values[i] if isinstance(values, list) and i < len(values) else None
        if depth == 0:
            yield item, sub
        else:
            yield from _walk(item, sub, depth - 1)


def _instance(
    oid: str, g: Mapping[str, Any], vertices: F64, templates: tuple[list[Any], F64]
) -> list[Surface]:
    defs, tverts = templates
    index = g.get("template")
    if not isinstance(index, int) or not 0 <= index < len(defs):
        raise InvalidInputError(f"CityObject {oid!r}: geometry template {index!r} does not exist")
    ref = g.get("boundaries") or []
    if len(ref) != 1 or not 0 <= int(ref[0]) < len(vertices):
        raise InvalidInputError(
            f"CityObject {oid!r}: the reference point of a GeometryInstance is not a vertex"
        )
    matrix = np.asarray(g.get("transformationMatrix", np.eye(4).ravel()), dtype=np.float64)
    m = matrix.reshape(4, 4)  # row-major
    placed = tverts @ m[:3, :3].T + m[:3, 3] + vertices[int(ref[0])]
    template = defs[index]
    if not isinstance(template, dict) or template.get("type") not in _DEPTH:
        return []
    return _surfaces(f"{oid} (template {index})", template, placed)
