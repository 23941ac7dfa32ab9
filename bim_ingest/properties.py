"""Property and quantity sets of IFC objects, flattened to typed, JSON-safe values.

Every property of every property set and quantity set becomes one key
``"<SetName>.<PropName>"``, with the same inheritance rule as
``ifcopenshell.util.element.get_psets``: the type object's sets first, then the
occurrence's sets, whose values win. The sets are walked here rather than
through ``get_psets`` because typing needs the IFC value type (an ``IfcLogical``
UNKNOWN reads back as the string ``"UNKNOWN"``) and because each set definition
and each type object is flattened once and shared by all its occurrences.

Typing: IfcBoolean and IfcLogical TRUE/FALSE give booleans (UNKNOWN gives
None), integers stay integers, reals and measures become numbers (non-finite
ones None), text, labels, identifiers and enumerations become strings, and
lists, tables, bounded values and complex properties or quantities a readable
string. :func:`unify_types` then gives every key one
:data:`twin.domain.AttributeType` across all elements.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from typing import Any

import ifcopenshell

from twin.domain import AttributeType

#: a flattened, typed, JSON-safe value
Value = bool | int | float | str | None
#: an ifcopenshell.entity_instance (typed as Any: its methods carry no annotations)
Entity = Any

_LIST_SEP = ", "
_PART_SEP = "; "


def is_entity(value: Any) -> bool:
    """Whether ``value`` is an IFC entity instance (no type narrowing: see :data:`Entity`)."""
    return isinstance(value, ifcopenshell.entity_instance)


class PropertyReader:
    """Flattens the property and quantity sets of objects of one model.

    Caches each set definition and each type object by STEP id, so a model
    where a thousand doors share one type reads the type's sets once.
    """

    def __init__(self) -> None:
        self._definitions: dict[int, dict[str, Value]] = {}
        self._types: dict[int, dict[str, Value]] = {}
        #: the type of keys whose IFC value is typed but reads as None (IfcLogical UNKNOWN)
        self.type_hints: dict[str, AttributeType] = {}

    def element_properties(
        self,
        element: Entity,
        element_type: Entity | None,
    ) -> dict[str, Value]:
        """All properties of ``element``: its type's sets, overridden by its own."""
        props = dict(self._type_properties(element_type)) if element_type is not None else {}
        for rel in getattr(element, "IsDefinedBy", None) or ():
            if rel.is_a("IfcRelDefinesByProperties"):
                for definition in _definitions_of(rel.RelatingPropertyDefinition):
                    props.update(self.definition_properties(definition))
        return props

    def definition_properties(self, definition: Entity) -> dict[str, Value]:
        """The flattened properties of one property set / quantity set definition."""
        key = definition.id()
        cached = self._definitions.get(key)
        if cached is None:
            cached = dict(_flatten_definition(definition, self.type_hints))
            self._definitions[key] = cached
        return cached

    def _type_properties(self, element_type: Entity) -> dict[str, Value]:
        key = element_type.id()
        cached = self._types.get(key)
        if cached is None:
            cached = {}
            for definition in getattr(element_type, "HasPropertySets", None) or ():
                cached.update(self.definition_properties(definition))
            self._types[key] = cached
        return cached


def _definitions_of(definition: Any) -> Sequence[Entity]:
    # IFC4: IfcPropertySetDefinitionSet is a defined type wrapping a list of definitions
    if is_entity(definition):
        if definition.is_a("IfcPropertySetDefinitionSet"):
            return tuple(definition.wrappedValue)
        return (definition,)
    if isinstance(definition, tuple | list):
        return tuple(definition)
    return ()


def _flatten_definition(
    definition: Entity, type_hints: dict[str, AttributeType]
) -> Iterator[tuple[str, Value]]:
    set_name = definition.Name if definition.Name else "(unnamed)"
    ifc_class = definition.is_a()
    if ifc_class == "IfcElementQuantity":
        for quantity in definition.Quantities or ():
            yield f"{set_name}.{quantity.Name}", quantity_value(quantity)
    elif ifc_class == "IfcPropertySet":
        # positional access (0 Name, 2 NominalValue, 4 HasProperties): the hot path
        for prop in definition[4] or ():
            if prop.is_a() == "IfcPropertySingleValue":
                key, nominal = f"{set_name}.{prop[0]}", prop[2]
                value = ifc_value(nominal)
                if value is None and nominal is not None and nominal.is_a() == "IfcLogical":
                    type_hints[key] = "boolean"
                yield key, value
            elif _is_supported_property(prop):
                yield f"{set_name}.{prop.Name}", property_value(prop)
    else:
        # predefined property sets (IfcDoorLiningProperties, ...): their own attributes
        for index in range(4, len(definition)):
            raw = definition[index]
            if raw is None or is_entity(raw):
                continue
            yield f"{set_name}.{definition.attribute_name(index)}", plain_value(raw)


def _is_supported_property(prop: Entity) -> bool:
    # as get_psets: references to other objects are not property values
    return not prop.is_a("IfcPropertyReferenceValue")


def quantity_value(quantity: Entity) -> Value:
    """A simple quantity's number, or a readable string of a complex quantity's parts."""
    if quantity.is_a("IfcPhysicalSimpleQuantity"):
        return plain_value(quantity[3])
    if quantity.is_a("IfcPhysicalComplexQuantity"):
        parts = [f"{q.Name}: {_text(quantity_value(q))}" for q in quantity.HasQuantities or ()]
        return _PART_SEP.join(parts) or None
    return None


def property_value(prop: Entity) -> Value:
    """The typed value of one IfcProperty (single, enumerated, list, bounded, table, complex)."""
    if prop.is_a("IfcPropertySingleValue"):
        return ifc_value(prop.NominalValue)
    if prop.is_a("IfcPropertyEnumeratedValue"):
        return _joined(prop.EnumerationValues)
    if prop.is_a("IfcPropertyListValue"):
        return _joined(prop.ListValues)
    if prop.is_a("IfcPropertyBoundedValue"):
        return _bounded(prop)
    if prop.is_a("IfcPropertyTableValue"):
        defining = prop.DefiningValues or ()
        defined = prop.DefinedValues or ()
        pairs = [
            f"{_text(ifc_value(d))}: {_text(ifc_value(v))}"
            for d, v in zip(defining, defined, strict=False)
        ]
        return _PART_SEP.join(pairs) or None
    if prop.is_a("IfcComplexProperty"):
        parts = []
        for sub in prop.HasProperties or ():
            if _is_supported_property(sub):
                value = property_value(sub)
                text = f"({value})" if sub.is_a("IfcComplexProperty") and value else _text(value)
                parts.append(f"{sub.Name}: {text}")
        return _PART_SEP.join(parts) or None
    return None


def _bounded(prop: Entity) -> Value:
    lower = ifc_value(prop.LowerBoundValue)
    upper = ifc_value(prop.UpperBoundValue)
    set_point = ifc_value(getattr(prop, "SetPointValue", None))  # IFC4 and later
    if lower is not None and upper is not None:
        text = f"{_text(lower)} .. {_text(upper)}"
    elif lower is not None:
        text = f">= {_text(lower)}"
    elif upper is not None:
        text = f"<= {_text(upper)}"
    else:
        text = ""
    if set_point is not None:
        text = f"{text} (set point {_text(set_point)})".strip()
    return text or None


def _joined(values: Iterable[Any] | None) -> Value:
    texts = [_text(ifc_value(v)) for v in values or ()]
    return _LIST_SEP.join(texts) or None


def ifc_value(value: Any) -> Value:
    """Type an IfcValue (a defined type such as IfcLabel(...) or IfcLogical(.U.))."""
    if value is None:
        return None
    if is_entity(value):
        raw = value[0]  # wrappedValue
        if isinstance(raw, str) and value.is_a() == "IfcLogical":
            return None  # UNKNOWN
        return plain_value(raw)
    return plain_value(value)


def plain_value(raw: Any) -> Value:
    """Type a plain Python value read from IFC; tuples become a readable string."""
    if raw is None or isinstance(raw, bool | str):
        return raw
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return raw if math.isfinite(raw) else None
    if isinstance(raw, tuple | list):
        return _LIST_SEP.join(_text(plain_value(v)) for v in raw) or None
    if is_entity(raw):
        return ifc_value(raw)
    return str(raw)


def _text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def value_type(value: Value) -> AttributeType | None:
    """The attribute type of one typed value (None for None)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string"


def unify_types(
    records: Sequence[MutableMapping[str, Value]],
    defaults: Mapping[str, AttributeType] | None = None,
) -> dict[str, AttributeType]:
    """One type per key across ``records``; converts the values of mixed keys in place.

    integer + number gives number (integers become floats); any other mix gives
    string (values become their text: ``true``/``false`` for booleans). A key
    that is always None takes its type from ``defaults``, else string.
    """
    seen: dict[str, set[AttributeType]] = {}
    for record in records:
        for key, value in record.items():
            kinds = seen.get(key)
            if kinds is None:
                kinds = seen[key] = set()
            kind = value_type(value)
            if kind is not None:
                kinds.add(kind)
    schema: dict[str, AttributeType] = {}
    convert: dict[str, AttributeType] = {}
    for key, kinds in seen.items():
        if not kinds:
            schema[key] = (defaults or {}).get(key, "string")
        elif len(kinds) == 1:
            schema[key] = next(iter(kinds))
        elif kinds == {"integer", "number"}:
            schema[key] = convert[key] = "number"
        else:
            schema[key] = convert[key] = "string"
    if convert:
        for record in records:
            for key, target in convert.items():
                value = record.get(key)
                if value is not None:
                    record[key] = _number_of(value) if target == "number" else _text(value)
    return schema


def _number_of(value: Value) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def as_bool(value: Value) -> bool | None:
    """A boolean property read back, also from a key that was unified to string."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"true", ".t."}:
            return True
        if lowered in {"false", ".f."}:
            return False
    return None
