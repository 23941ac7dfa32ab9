"""Read CityGML 2.0 buildings (PLATEAU / i-UR files included) into a :class:`CityModel`.

The file is streamed with ``iterparse``: each top-level member of the CityModel is
read when its end tag arrives and then dropped, so memory holds one member at a
time, never the document. Per bldg:Building and bldg:BuildingPart (parts nested in
``consistsOfBuildingPart``, parent = the enclosing building or part):

* geometry of one LOD (:func:`choose_lod`): the thematic surfaces of ``boundedBy``
  (RoofSurface, WallSurface, GroundSurface, ClosureSurface, ...) with their type,
  plus polygons of ``lodNSolid`` / ``lodNMultiSurface`` that are not those surfaces
  (a PLATEAU lod2Solid only xlinks the boundary polygons) with no type;
* attributes: gml:name, every gen:*Attribute (typed; sets as ``set.name``),
  bldg:/uro: properties (measuredHeight, storeysAboveGround, usage, function, ...;
  nested ones as ``property.leaf``, repeated ones as lists).

posLists follow the CRS's axis order; for a CRS whose first axis points north
(EPSG:6697, 4326: lat, lon) the reader swaps them so x is always the longitude.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from pyproj import CRS
from pyproj.exceptions import CRSError as ProjCRSError

from twin.errors import InvalidInputError
from twin.readers.citymodel import F64, CityModel, CityObject, Surface, choose_lod, epsg_of

GML_ID = "{http://www.opengis.net/gml}id"
_LOD_GEOMETRY = re.compile(r"^lod([0-4])(Solid|MultiSurface|Geometry)$")
_LOD_OTHER = re.compile(r"^lod[0-4]")
_SKIP = {
    "outerBuildingInstallation",
    "interiorBuildingInstallation",
    "interiorRoom",
    "address",
    "appearance",
    "boundedBy",
    "externalReference",
    "generalizesTo",
}
_INTEGER = {"storeysAboveGround", "storeysBelowGround", "yearOfConstruction", "yearOfDemolition"}
_NUMBER = {"measuredHeight"}
_GENERIC = {
    "intAttribute": int,
    "doubleAttribute": float,
    "measureAttribute": float,
    "stringAttribute": str,
    "dateAttribute": str,
    "uriAttribute": str,
}


def read_citygml(path: Path, *, lod: int = 2, crs: str | None = None) -> CityModel:
    """Buildings of a CityGML file; ``crs`` overrides the srsName the file declares."""
    objects: list[CityObject] = []
    declared: str | None = None
    version = ""
    root: ET.Element | None = None
    depth = 0
    try:
        for event, elem in iterparse(path, events=("start", "end"), forbid_dtd=True):
            if event == "start":
                depth += 1
                if root is None:
                    root = elem
                    version = _check_root(path.name, elem)
                elif declared is None and elem.get("srsName"):
                    declared = epsg_of(elem.get("srsName"))
                continue
            depth -= 1
            if depth == 1 and root is not None:  # a member of the CityModel is complete
                for child in elem:
                    if _local(child.tag) == "Building":
                        _read_building(child, None, "Building", lod, objects)
                root.clear()
    except DefusedXmlException:
        raise InvalidInputError(f"{path.name}: XML with a DTD or entities is refused") from None
    except ET.ParseError as exc:
        raise InvalidInputError(f"{path.name}: not well-formed XML ({exc})") from None
    except OSError as exc:
        raise InvalidInputError(f"{path.name}: cannot be read ({exc.strerror})") from None
    if root is None:
        raise InvalidInputError(f"{path.name}: empty XML document")
    label = crs or declared
    if label and _lat_first(label):
        objects = [_swap_xy(o) for o in objects]
    return CityModel(path.name, "CityGML", version, declared, tuple(objects))


def _check_root(name: str, root: ET.Element) -> str:
    ns, local = _split(root.tag)
    if local != "CityModel" or "citygml" not in ns:
        raise InvalidInputError(
            f"{name}: not a CityGML CityModel (the root element is {local or root.tag!r})"
        )
    match = re.search(r"citygml/(\d+\.\d+)", ns)
    return match.group(1) if match else ""


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def _local(tag: str) -> str:
    return _split(tag)[1]


def _lat_first(label: str) -> bool:
    try:
        axes = CRS.from_user_input(label).axis_info
    except ProjCRSError:
        return False
    return bool(axes) and axes[0].direction.lower() in {"north", "south"}


def _swap_xy(obj: CityObject) -> CityObject:
    surfaces = tuple(Surface(s.kind, tuple(r[:, [1, 0, 2]] for r in s.rings)) for s in obj.surfaces)
    return CityObject(obj.id, obj.cls, obj.parent_id, obj.lod, obj.attributes, surfaces)


def _read_building(
    elem: ET.Element, parent: str | None, cls: str, lod: int, out: list[CityObject]
) -> None:
    oid = elem.get(GML_ID) or f"{cls}-{len(out) + 1}"
    attributes: dict[str, Any] = {}
    thematic: list[tuple[str, str, list[tuple[str | None, list[F64]]]]] = []
    direct: list[tuple[str, list[tuple[str | None, list[F64]]]]] = []
    parts: list[ET.Element] = []
    for child in elem:
        name = _local(child.tag)
        geometry = _LOD_GEOMETRY.match(name)
        if name == "consistsOfBuildingPart":
            parts.extend(c for c in child if _local(c.tag) == "BuildingPart")
        elif name == "boundedBy" and _split(child.tag)[0] != "http://www.opengis.net/gml":
            for surface in child:
                for prop in surface:
                    m = _LOD_GEOMETRY.match(_local(prop.tag))
                    if m:
                        thematic.append((_local(surface.tag), m.group(1), _polygons(prop)))
        elif geometry:
            direct.append((geometry.group(1), _polygons(child)))
        elif name in _SKIP or _LOD_OTHER.match(name):
            continue
        else:
            _attribute(child, attributes)
    chosen = choose_lod([t[1] for t in thematic] + [d[0] for d in direct], lod)
    surfaces: list[Surface] = []
    seen: set[str] = set()
    for kind, level, polygons in thematic:
        if level == chosen:
            for pid, rings in polygons:
                surfaces.append(Surface(kind, tuple(rings)))
                if pid:
                    seen.add(pid)
    for level, polygons in direct:
        if level == chosen:
            surfaces.extend(
                Surface(None, tuple(rings)) for pid, rings in polygons if not pid or pid not in seen
            )
    out.append(CityObject(oid, cls, parent, chosen, attributes, tuple(surfaces)))
    for part in parts:
        _read_building(part, oid, "BuildingPart", lod, out)


def _polygons(elem: ET.Element) -> list[tuple[str | None, list[F64]]]:
    """Every gml:Polygon / gml:Triangle below ``elem``: (gml:id, [exterior, *interiors])."""
    out: list[tuple[str | None, list[F64]]] = []
    for poly in elem.iter():
        if _local(poly.tag) not in {"Polygon", "Triangle"}:
            continue
        rings: list[F64] = []
        for boundary in poly:
            which = _local(boundary.tag)
            if which not in {"exterior", "interior"}:
                continue
            ring = _ring(boundary)
            if ring is None:
                continue
            if which == "exterior":
                rings.insert(0, ring)
            else:
                rings.append(ring)
        if rings and len(rings[0]) >= 3:
            out.append((poly.get(GML_ID), rings))
    return out


def _ring(boundary: ET.Element) -> F64 | None:
    values: list[float] = []
    dim = 3
    for node in boundary.iter():
        local = _local(node.tag)
        if local in {"posList", "pos", "coordinates"} and node.text:
            dim = int(node.get("srsDimension") or node.get("dimension") or dim)
            text = node.text.replace(",", " ") if local == "coordinates" else node.text
            try:
                values.extend(float(v) for v in text.split())
            except ValueError:
                raise InvalidInputError(f"invalid coordinates in {local}: {text[:60]!r}") from None
    if not values or dim not in {2, 3} or len(values) % dim:
        return None
    pts = np.asarray(values, dtype=np.float64).reshape(-1, dim)
    if dim == 2:
        pts = np.column_stack([pts, np.zeros(len(pts))])
    if len(pts) > 1 and np.array_equal(pts[0], pts[-1]):
        pts = pts[:-1]
    return pts if len(pts) >= 3 else None


def _attribute(child: ET.Element, attributes: dict[str, Any]) -> None:
    ns, name = _split(child.tag)
    if name == "name" and ns.endswith("/gml"):
        _put(attributes, "name", (child.text or "").strip())
    elif "generics" in ns:
        _generic(child, attributes, "")
    elif len(child) == 0:
        _put(attributes, name, _value(name, child))
    else:
        for key, leaf in _leaves(child, name):
            _put(attributes, key, _value(_local(leaf.tag), leaf))


def _leaves(elem: ET.Element, prefix: str) -> Iterator[tuple[str, ET.Element]]:
    """Leaf elements with text, keyed ``prefix.leaf`` (object elements add no level)."""
    for node in elem.iter():
        if len(node) == 0 and node is not elem and (node.text or "").strip():
            yield f"{prefix}.{_local(node.tag)}", node


def _generic(elem: ET.Element, attributes: dict[str, Any], prefix: str) -> None:
    kind = _local(elem.tag)
    name = prefix + (elem.get("name") or kind)
    if kind == "genericAttributeSet":
        for sub in elem:
            if "generics" in _split(sub.tag)[0] and _local(sub.tag) != "value":
                _generic(sub, attributes, name + ".")
        return
    cast = _GENERIC.get(kind, str)
    for value in elem:
        if _local(value.tag) == "value":
            text = (value.text or "").strip()
            try:
                _put(attributes, name, cast(text))
            except ValueError:
                _put(attributes, name, text)


def _value(name: str, elem: ET.Element) -> Any:
    text = (elem.text or "").strip()
    try:
        if name in _INTEGER:
            return int(float(text))
        if name in _NUMBER or elem.get("uom"):
            return float(text)
    except ValueError:
        return text
    return text


def _put(attributes: dict[str, Any], key: str, value: Any) -> None:
    if key not in attributes:
        attributes[key] = value
    elif isinstance(attributes[key], list):
        attributes[key].append(value)
    else:
        attributes[key] = [attributes[key], value]
