"""What an IFC model says about its objects: one record per feature of a twin layer.

Features are the spatial structure elements (site, building, storey, space;
IFC4X3 facilities and facility parts) and every IfcElement except openings
(IfcFeatureElementSubtraction) and virtual elements. Each gets an
:class:`ElementInfo` keyed by GlobalId; ``parent_id`` links them into the
catalog tree ``site -> building -> storey -> space / element``.

Parents come from the relationships, read once into inverse maps: the
aggregate (IfcRelAggregates) first, else the spatial container
(IfcRelContainedInSpatialStructure). An element with neither falls back to
its nest host (IfcRelNests) or, for a door or window, to the element whose
opening it fills, so it still hangs in the tree. A parent that is not a
feature itself (the IfcProject above a site, an opening) is skipped upwards.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import ifcopenshell
import ifcopenshell.util.classification
import ifcopenshell.util.element

from bim_ingest.georef_units import model_length_unit
from bim_ingest.properties import (
    Entity,
    PropertyReader,
    Value,
    as_bool,
    is_entity,
    unify_types,
)
from twin.domain import AttributeType

log = logging.getLogger("twin.bim_ingest")

_EXCLUDED_ELEMENTS = ("IfcFeatureElementSubtraction", "IfcVirtualElement")
_BUILTIN_TYPES: dict[str, AttributeType] = {"elevation": "number"}
_MAX_DEPTH = 256  # deeper than any real spatial tree; guards against cyclic relationships


@dataclass(frozen=True)
class ElementInfo:
    """One feature. ``storey``/``building``/``site`` are found walking up from the object
    itself, so a storey is on its own storey and a building names itself; lengths in metres.
    """

    global_id: str
    ifc_class: str
    predefined_type: str | None
    name: str | None
    tag: str | None
    parent_id: str | None
    storey_id: str | None
    storey: str | None
    storey_elevation: float | None
    building: str | None
    site: str | None
    spatial: bool
    attributes: Mapping[str, Any]


@dataclass(frozen=True)
class Semantics:
    """A model's features by GlobalId: the spatial tree depth-first, then elements by STEP id."""

    schema_version: str
    elements: Mapping[str, ElementInfo]
    attribute_schema: Mapping[str, AttributeType]
    _children: Mapping[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        children: dict[str, list[str]] = {}
        for gid, info in self.elements.items():
            if info.parent_id is not None:
                children.setdefault(info.parent_id, []).append(gid)
        object.__setattr__(self, "_children", {k: tuple(v) for k, v in children.items()})

    def children(self, global_id: str) -> list[str]:
        """GlobalIds whose parent is ``global_id``, in the order of :attr:`elements`."""
        return list(self._children.get(global_id, ()))


def read_semantics(model: ifcopenshell.file) -> Semantics:
    """One :class:`ElementInfo` per feature of ``model``, with one type per attribute key."""
    tree = _Tree(model)
    spatial: list[Entity] = sorted(model.by_type("IfcSpatialStructureElement"), key=_step_id)
    elements: list[Entity] = sorted(model.by_type("IfcElement"), key=_step_id)
    elements = [e for e in elements if not any(e.is_a(c) for c in _EXCLUDED_ELEMENTS)]
    features: dict[int, Entity] = {}
    seen_ids: set[str] = set()
    product: Entity
    for product in (*spatial, *elements):
        gid = product.GlobalId
        if not gid or gid in seen_ids:
            log.warning(
                "IFC object skipped: its GlobalId is missing or not unique",
                extra={"global_id": gid, "ifc_class": product.is_a(), "step_id": product.id()},
            )
            continue
        seen_ids.add(gid)
        features[product.id()] = product

    parents = {step_id: tree.feature_parent(p, features) for step_id, p in features.items()}
    order = _spatial_first(spatial, elements, features, parents)
    scale = model_length_unit(model).metres
    reader = PropertyReader()

    rows: list[tuple[Entity, dict[str, Value]]] = []
    for product in order:
        rows.append((product, _attributes(product, tree, reader, scale)))
    schema = unify_types([a for _, a in rows], {**reader.type_hints, **_BUILTIN_TYPES})

    infos: dict[str, ElementInfo] = {}
    for product, attrs in rows:
        storey, building, site = tree.context(product)
        parent = parents[product.id()]
        infos[product.GlobalId] = ElementInfo(
            global_id=product.GlobalId,
            ifc_class=product.is_a(),
            predefined_type=_text(attrs["predefined_type"]),
            name=_text(attrs["name"]),
            tag=_text(attrs["tag"]),
            parent_id=parent.GlobalId if parent is not None else None,
            storey_id=storey.GlobalId if storey is not None else None,
            storey=_text(storey.Name) if storey is not None else None,
            storey_elevation=_elevation(storey, scale) if storey is not None else None,
            building=_text(building.Name) if building is not None else None,
            site=_text(site.Name) if site is not None else None,
            spatial=product.is_a("IfcSpatialStructureElement"),
            attributes=attrs,
        )
    return Semantics(schema_version=model.schema, elements=infos, attribute_schema=schema)


def tile_properties(info: ElementInfo) -> dict[str, Any]:
    """The few main properties a tile carries for an element besides id, class, name, storey."""
    attrs = info.attributes
    fire_rating = _common_property(attrs, "FireRating")
    material = attrs.get("material")
    return {
        "predefined_type": info.predefined_type,
        "tag": info.tag,
        "is_external": as_bool(_common_property(attrs, "IsExternal")),
        "load_bearing": as_bool(_common_property(attrs, "LoadBearing")),
        "fire_rating": _text(fire_rating if not isinstance(fire_rating, bool) else None),
        "material": material if isinstance(material, str) else None,
    }


def _common_property(attrs: Mapping[str, Any], prop: str) -> Any:
    """A property from a standard ``Pset_*Common`` set, else from any set."""
    suffix = f".{prop}"
    fallback = None
    for key, value in attrs.items():
        if value is None or not key.endswith(suffix):
            continue
        set_name = key[: -len(suffix)]
        if set_name.startswith("Pset_") and set_name.endswith("Common"):
            return value
        if fallback is None:
            fallback = value
    return fallback


class _Tree:
    """Inverse maps of the decomposition and containment relationships, built once."""

    def __init__(self, model: ifcopenshell.file) -> None:
        self.aggregate = _relating(model, "IfcRelAggregates", "RelatedObjects", "RelatingObject")
        self.container = _relating(
            model, "IfcRelContainedInSpatialStructure", "RelatedElements", "RelatingStructure"
        )
        self.nest = _relating(model, "IfcRelNests", "RelatedObjects", "RelatingObject")
        self.filled = _relating(
            model, "IfcRelFillsElement", "RelatedBuildingElement", "RelatingOpeningElement"
        )
        self.voided = _relating(
            model, "IfcRelVoidsElement", "RelatedOpeningElement", "RelatingBuildingElement"
        )
        self.types = _relating(model, "IfcRelDefinesByType", "RelatedObjects", "RelatingType")
        self._context: dict[int, tuple[Any, Any, Any]] = {}

    def parent(self, entity: Entity) -> Entity | None:
        """The aggregate, else the container, else the nest host, else the filled opening's host."""
        step_id = entity.id()
        for relation in (self.aggregate, self.container, self.nest):
            found = relation.get(step_id)
            if found is not None:
                return found
        opening = self.filled.get(step_id)
        if opening is not None:
            return self.voided.get(opening.id(), opening)
        return None

    def feature_parent(self, entity: Entity, features: Mapping[int, Any]) -> Entity | None:
        current = self.parent(entity)
        for _ in range(_MAX_DEPTH):
            if current is None or current.id() in features:
                return current
            current = self.parent(current)
        return None

    def context(self, entity: Entity) -> tuple[Any, Any, Any]:
        """(storey, building, site) around ``entity``, itself included, walking up."""
        chain: list[Entity] = []
        current: Entity | None = entity
        known: tuple[Any, Any, Any] = (None, None, None)
        visited: set[int] = set()
        while current is not None and len(chain) < _MAX_DEPTH:
            step_id = current.id()
            if step_id in self._context:
                known = self._context[step_id]
                break
            if step_id in visited:
                break
            visited.add(step_id)
            chain.append(current)
            current = self.parent(current)
        storey, building, site = known
        for item in reversed(chain):
            if item.is_a("IfcBuildingStorey"):
                storey = item
            elif item.is_a("IfcBuilding"):
                building = item
            elif item.is_a("IfcSite"):
                site = item
            self._context[item.id()] = (storey, building, site)
        return storey, building, site


def _relating(
    model: ifcopenshell.file, rel_class: str, related: str, relating: str
) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for rel in model.by_type(rel_class):
        target = getattr(rel, relating)
        objects = getattr(rel, related)
        if target is None or objects is None:
            continue
        if is_entity(objects):
            objects = (objects,)
        for obj in objects:
            out.setdefault(obj.id(), target)
    return out


def _spatial_first(
    spatial: list[Any], elements: list[Any], features: Mapping[int, Any], parents: Mapping[int, Any]
) -> list[Entity]:
    """Spatial elements depth-first from the roots (children by STEP id), then elements."""
    spatial = [s for s in spatial if s.id() in features]
    kids: dict[int | None, list[Any]] = {}
    for s in spatial:
        parent = parents[s.id()]
        key = (
            parent.id()
            if parent is not None and parent.is_a("IfcSpatialStructureElement")
            else None
        )
        kids.setdefault(key, []).append(s)
    order: list[Any] = []
    done: set[int] = set()
    stack = list(reversed(kids.get(None, [])))
    while stack:
        node = stack.pop()
        if node.id() in done:
            continue
        done.add(node.id())
        order.append(node)
        stack.extend(reversed(kids.get(node.id(), [])))
    order.extend(s for s in spatial if s.id() not in done)  # in a cycle: by STEP id
    order.extend(e for e in elements if e.id() in features)
    return order


def _attributes(
    product: Entity, tree: _Tree, reader: PropertyReader, scale: float
) -> dict[str, Value]:
    storey, building, site = tree.context(product)
    predefined = ifcopenshell.util.element.get_predefined_type(product)
    materials, main_material = _materials(product)
    attrs: dict[str, Value] = {
        "GlobalId": product.GlobalId,
        "class": product.is_a(),
        "predefined_type": None if predefined == "NOTDEFINED" else _text(predefined),
        "name": _text(product.Name),
        "tag": _text(getattr(product, "Tag", None)),
        "description": _text(product.Description),
        "object_type": _text(product.ObjectType),
        "storey": _text(storey.Name) if storey is not None else None,
        "storey_id": storey.GlobalId if storey is not None else None,
        "building": _text(building.Name) if building is not None else None,
        "site": _text(site.Name) if site is not None else None,
    }
    if product.is_a("IfcSpatialStructureElement"):
        attrs["long_name"] = _text(product.LongName)
    if product.is_a("IfcBuildingStorey"):
        attrs["elevation"] = _elevation(product, scale)
    attrs["materials"] = "; ".join(materials) or None
    attrs["material"] = main_material
    attrs["classification"] = _classification(product)
    attrs.update(reader.element_properties(product, tree.types.get(product.id())))
    return attrs


def _materials(product: Entity) -> tuple[list[str], str | None]:
    """Distinct material names (layers, constituents, profiles, list) and the main one.

    The main material is the thickest layer's, the largest constituent's, else the first.
    """
    material: Entity = ifcopenshell.util.element.get_material(product, should_skip_usage=True)
    if material is None:
        return [], None
    weighted: list[tuple[Any, float]]
    if material.is_a("IfcMaterialLayerSet"):
        weighted = [(m.Material, _number(m.LayerThickness)) for m in material.MaterialLayers or ()]
    elif material.is_a("IfcMaterialConstituentSet"):
        weighted = [(c.Material, _number(c.Fraction)) for c in material.MaterialConstituents or ()]
    elif material.is_a("IfcMaterialProfileSet"):
        weighted = [(p.Material, 0.0) for p in material.MaterialProfiles or ()]
    elif material.is_a("IfcMaterialList"):
        weighted = [(m, 0.0) for m in material.Materials or ()]
    elif material.is_a("IfcMaterial"):
        weighted = [(material, 0.0)]
    else:  # a single layer, profile or constituent
        weighted = [(getattr(material, "Material", None), 0.0)]
    named = [(n, w) for n, w in ((_text(m.Name), w) for m, w in weighted if m is not None) if n]
    if not named:
        return [], None
    main = max(named, key=lambda nw: nw[1])[0]  # first of the heaviest
    return list(dict.fromkeys(n for n, _ in named)), main


def _classification(product: Entity) -> str | None:
    references = ifcopenshell.util.classification.get_references(product)
    texts = sorted({t for t in (_reference_text(r) for r in references) if t})
    return "; ".join(texts) or None


def _reference_text(reference: Entity) -> str | None:
    if reference.is_a("IfcClassification"):
        return _text(reference.Name)
    identification = getattr(reference, "Identification", None) or getattr(
        reference, "ItemReference", None
    )
    body = " ".join(t for t in (_text(identification), _text(reference.Name)) if t)
    system = _system_name(reference)
    if system and body:
        return f"{system}: {body}"
    return body or system


def _system_name(reference: Entity) -> str | None:
    source = getattr(reference, "ReferencedSource", None)
    for _ in range(_MAX_DEPTH):
        if source is None:
            return None
        if source.is_a("IfcClassification"):
            return _text(source.Name)
        source = getattr(source, "ReferencedSource", None)
    return None


def _elevation(storey: Entity, scale: float) -> float | None:
    value = storey.Elevation
    if value is None:
        return None
    metres = float(value) * scale
    return round(metres, 6) if math.isfinite(metres) else None  # to the micrometre


def _step_id(entity: Entity) -> int:
    return int(entity.id())


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else 0.0


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if text else None
