from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ifcopenshell
import ifcopenshell.api.pset
import ifcopenshell.api.root
import ifcopenshell.api.type
import ifcopenshell.util.element
import pytest

from bim_ingest.properties import (
    PropertyReader,
    as_bool,
    ifc_value,
    plain_value,
    unify_types,
    value_type,
)
from bim_ingest.semantics import Semantics, read_semantics


@pytest.fixture
def model() -> ifcopenshell.file:
    f = ifcopenshell.file(schema="IFC4")
    ifcopenshell.api.root.create_entity(f, ifc_class="IfcProject", name="P")
    return f


def _pset(f: ifcopenshell.file, owner: Any, name: str, **values: Any) -> Any:
    pset = ifcopenshell.api.pset.add_pset(f, product=owner, name=name)
    if values:
        ifcopenshell.api.pset.edit_pset(f, pset=pset, properties=values)
    return pset


def _add_props(pset: Any, *props: Any) -> None:
    # by hand: pset.edit_pset cannot write IfcLogical (nor most non-single properties)
    pset.HasProperties = (*(pset.HasProperties or ()), *props)


def _single(f: ifcopenshell.file, name: str, ifc_type: str, value: Any) -> Any:
    return f.create_entity(
        "IfcPropertySingleValue", Name=name, NominalValue=f.create_entity(ifc_type, value)
    )


def _read(element: Any) -> dict[str, Any]:
    return PropertyReader().element_properties(element, ifcopenshell.util.element.get_type(element))


def test_single_values_keep_their_ifc_types(model: ifcopenshell.file) -> None:
    wall = ifcopenshell.api.root.create_entity(model, ifc_class="IfcWall")
    pset = _pset(model, wall, "Pset_WallCommon", IsExternal=True, FireRating="F90")
    _add_props(
        pset,
        _single(model, "Layers", "IfcInteger", 3),
        _single(model, "Width", "IfcLengthMeasure", 0.25),
        _single(model, "Code", "IfcIdentifier", "W-01"),
        _single(model, "Yes", "IfcLogical", True),
        _single(model, "No", "IfcLogical", False),
        _single(model, "Maybe", "IfcLogical", "UNKNOWN"),
        model.create_entity("IfcPropertySingleValue", Name="Empty"),
    )
    props = _read(wall)
    assert props["Pset_WallCommon.IsExternal"] is True
    assert props["Pset_WallCommon.FireRating"] == "F90"
    assert props["Pset_WallCommon.Layers"] == 3 and type(props["Pset_WallCommon.Layers"]) is int
    assert props["Pset_WallCommon.Width"] == 0.25
    assert props["Pset_WallCommon.Code"] == "W-01"
    assert props["Pset_WallCommon.Yes"] is True
    assert props["Pset_WallCommon.No"] is False
    assert props["Pset_WallCommon.Maybe"] is None
    assert props["Pset_WallCommon.Empty"] is None
    assert "id" not in props and not any(k.endswith(".id") for k in props)


def test_an_unknown_logical_leaves_a_boolean_type_hint(model: ifcopenshell.file) -> None:
    wall = ifcopenshell.api.root.create_entity(model, ifc_class="IfcWall")
    _add_props(_pset(model, wall, "Custom"), _single(model, "Maybe", "IfcLogical", "UNKNOWN"))
    reader = PropertyReader()
    record = reader.element_properties(wall, None)
    assert reader.type_hints == {"Custom.Maybe": "boolean"}
    assert unify_types([record], reader.type_hints) == {"Custom.Maybe": "boolean"}


def test_type_sets_are_inherited_and_the_occurrence_wins(model: ifcopenshell.file) -> None:
    wall_type = ifcopenshell.api.root.create_entity(model, ifc_class="IfcWallType")
    _pset(model, wall_type, "Pset_WallCommon", IsExternal=True, FireRating="F30", Reference="T1")
    _pset(model, wall_type, "TypeOnly", Note="from the type")
    walls = [ifcopenshell.api.root.create_entity(model, ifc_class="IfcWall") for _ in range(2)]
    ifcopenshell.api.type.assign_type(
        model, related_objects=walls, relating_type=wall_type, should_map_representations=False
    )
    _pset(model, walls[0], "Pset_WallCommon", FireRating="F90")
    occurrence = _pset(model, walls[1], "Pset_WallCommon")
    _add_props(occurrence, model.create_entity("IfcPropertySingleValue", Name="Reference"))

    first, second = _read(walls[0]), _read(walls[1])
    assert first["Pset_WallCommon.FireRating"] == "F90"
    assert first["Pset_WallCommon.IsExternal"] is True
    assert first["TypeOnly.Note"] == "from the type"
    assert second["Pset_WallCommon.FireRating"] == "F30"
    assert (
        second["Pset_WallCommon.Reference"] is None
    )  # an empty occurrence value wins, as in get_psets
    expected = ifcopenshell.util.element.get_psets(walls[1])["Pset_WallCommon"]["Reference"]
    assert second["Pset_WallCommon.Reference"] == expected


def test_quantities_are_numbers_and_complex_quantities_readable(model: ifcopenshell.file) -> None:
    slab = ifcopenshell.api.root.create_entity(model, ifc_class="IfcSlab")
    qto = ifcopenshell.api.pset.add_qto(model, product=slab, name="Qto_SlabBaseQuantities")
    ifcopenshell.api.pset.edit_qto(model, qto=qto, properties={"Width": 0.3, "GrossArea": 12.5})
    layer = model.create_entity(
        "IfcPhysicalComplexQuantity",
        Name="Layer 1",
        HasQuantities=[model.create_entity("IfcQuantityLength", Name="Thickness", LengthValue=0.1)],
        Discrimination="Layer",
    )
    qto.Quantities = (*qto.Quantities, layer)
    props = _read(slab)
    assert props["Qto_SlabBaseQuantities.Width"] == 0.3
    assert props["Qto_SlabBaseQuantities.GrossArea"] == 12.5
    assert value_type(props["Qto_SlabBaseQuantities.GrossArea"]) == "number"
    assert props["Qto_SlabBaseQuantities.Layer 1"] == "Thickness: 0.1"


def test_lists_enumerations_bounds_tables_and_complex_properties_become_readable_text(
    model: ifcopenshell.file,
) -> None:
    door = ifcopenshell.api.root.create_entity(model, ifc_class="IfcDoor")
    label: Callable[[str], Any] = lambda v: model.create_entity("IfcLabel", v)  # noqa: E731
    real: Callable[[float], Any] = lambda v: model.create_entity("IfcReal", v)  # noqa: E731
    _add_props(
        _pset(model, door, "Custom"),
        model.create_entity(
            "IfcPropertyEnumeratedValue", Name="Finish", EnumerationValues=[label("MATT")]
        ),
        model.create_entity(
            "IfcPropertyListValue", Name="Sizes", ListValues=[real(1.0), real(2.5)]
        ),
        model.create_entity(
            "IfcPropertyBoundedValue",
            Name="Range",
            LowerBoundValue=real(0.5),
            UpperBoundValue=real(1.5),
        ),
        model.create_entity("IfcPropertyBoundedValue", Name="Floor", LowerBoundValue=real(2.0)),
        model.create_entity(
            "IfcPropertyTableValue",
            Name="Curve",
            DefiningValues=[real(1.0), real(2.0)],
            DefinedValues=[label("low"), label("high")],
        ),
        model.create_entity(
            "IfcComplexProperty",
            Name="Frame",
            UsageName="frame",
            HasProperties=[
                _single(model, "Depth", "IfcLengthMeasure", 0.07),
                _single(model, "Painted", "IfcBoolean", True),
            ],
        ),
    )
    props = _read(door)
    assert props["Custom.Finish"] == "MATT"
    assert props["Custom.Sizes"] == "1.0, 2.5"
    assert props["Custom.Range"] == "0.5 .. 1.5"
    assert props["Custom.Floor"] == ">= 2.0"
    assert props["Custom.Curve"] == "1.0: low; 2.0: high"
    assert props["Custom.Frame"] == "Depth: 0.07; Painted: true"


def test_a_definition_shared_by_many_elements_is_read_once(model: ifcopenshell.file) -> None:
    walls = [ifcopenshell.api.root.create_entity(model, ifc_class="IfcWall") for _ in range(3)]
    pset = _pset(model, walls[0], "Shared", Mark="M")
    ifcopenshell.api.pset.assign_pset(model, products=walls[1:], pset=pset)
    reader = PropertyReader()
    records = [reader.element_properties(w, None) for w in walls]
    assert all(r == {"Shared.Mark": "M"} for r in records)
    assert reader.definition_properties(pset) is reader.definition_properties(pset)


def test_plain_values_are_typed_and_non_finite_numbers_dropped() -> None:
    assert plain_value(float("nan")) is None
    assert plain_value(float("inf")) is None
    assert plain_value(-0.5) == -0.5
    assert plain_value((1, 2, 3)) == "1, 2, 3"
    assert ifc_value(None) is None
    assert [value_type(v) for v in (True, 1, 1.5, "a", None)] == [
        "boolean",
        "integer",
        "number",
        "string",
        None,
    ]


def test_integers_mixed_with_numbers_become_numbers() -> None:
    records: list[dict[str, Any]] = [{"k": 2}, {"k": 2.5}, {"k": None}, {}]
    assert unify_types(records) == {"k": "number"}
    assert records[0]["k"] == 2.0 and isinstance(records[0]["k"], float)
    assert records[2]["k"] is None and "k" not in records[3]


def test_any_other_mix_becomes_text_everywhere() -> None:
    records: list[dict[str, Any]] = [{"k": True}, {"k": "yes"}, {"k": 3}, {"k": 0.5}, {"k": None}]
    assert unify_types(records) == {"k": "string"}
    assert [r["k"] for r in records] == ["true", "yes", "3", "0.5", None]


def test_keys_of_one_type_are_left_alone_and_null_keys_take_their_default() -> None:
    records: list[dict[str, Any]] = [{"b": False, "i": 1, "s": "x", "n": None, "e": None}]
    schema = unify_types(records, {"e": "number"})
    assert schema == {"b": "boolean", "i": "integer", "s": "string", "n": "string", "e": "number"}
    assert records == [{"b": False, "i": 1, "s": "x", "n": None, "e": None}]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), ("true", True), ("FALSE", False), ("maybe", None), (1, None)],
)
def test_booleans_are_read_back_also_from_text(value: Any, expected: bool | None) -> None:
    assert as_bool(value) is expected


@pytest.mark.parametrize(
    "name",
    ["AC20-FZK-Haus.ifc", "Duplex_A_20110907_georeferenced.ifc", "example_project_location.ifc"],
)
def test_flattening_a_real_model_gives_the_keys_and_values_of_get_psets(
    shared_data: Path, name: str
) -> None:
    model: Any = ifcopenshell.open(str(shared_data / "ifc" / name))
    reader = PropertyReader()
    compared = 0
    for element in model.by_type("IfcElement"):
        ours = reader.element_properties(element, ifcopenshell.util.element.get_type(element))
        expected = {
            f"{set_name}.{prop}": value
            for set_name, props in ifcopenshell.util.element.get_psets(element).items()
            for prop, value in props.items()
            if prop != "id"
        }
        assert set(ours) == set(expected), element
        for key, value in expected.items():
            if isinstance(value, bool | int | float) or (
                isinstance(value, str) and value != "UNKNOWN"
            ):
                assert ours[key] == value and type(ours[key]) is type(value), key
                compared += 1
            elif isinstance(value, dict | list):
                assert ours[key] is None or isinstance(ours[key], str), key
    assert compared > 1000


def _semantics(shared_data: Path, name: str) -> tuple[Any, Semantics]:
    model = ifcopenshell.open(str(shared_data / "ifc" / name))
    return model, read_semantics(model)


def test_real_properties_are_typed(shared_data: Path) -> None:
    model, sem = _semantics(shared_data, "Duplex_A_20110907_georeferenced.ifc")
    checked: Counter[str] = Counter()
    for wall in model.by_type("IfcWall"):
        common = ifcopenshell.util.element.get_pset(wall, "Pset_WallCommon") or {}
        if isinstance(common.get("IsExternal"), bool):
            assert (
                sem.elements[wall.GlobalId].attributes["Pset_WallCommon.IsExternal"]
                is common["IsExternal"]
            )
            checked["bool"] += 1
    assert sem.attribute_schema["Pset_WallCommon.IsExternal"] == "boolean"

    for quantity in model.by_type("IfcQuantityArea"):
        (qto,) = [r for r in model.get_inverse(quantity) if r.is_a("IfcElementQuantity")]
        key = f"{qto.Name}.{quantity.Name}"
        for rel in model.get_inverse(qto):
            for obj in rel.RelatedObjects if rel.is_a("IfcRelDefinesByProperties") else ():
                value = sem.elements[obj.GlobalId].attributes[key]
                assert value == quantity.AreaValue and isinstance(value, float)
                checked["quantity"] += 1
        assert sem.attribute_schema[key] == "number"

    for prop in model.by_type("IfcPropertySingleValue"):
        if prop.NominalValue is not None and prop.NominalValue.is_a("IfcLabel"):
            pset = next(r for r in model.get_inverse(prop) if r.is_a("IfcPropertySet"))
            key = f"{pset.Name}.{prop.Name}"
            if key in sem.attribute_schema:  # a label with anything else is text too
                assert sem.attribute_schema[key] == "string", key
                checked["label"] += 1
    assert checked["bool"] and checked["quantity"] and checked["label"]


def test_a_key_with_mixed_types_in_a_real_model_becomes_text(shared_data: Path) -> None:
    model, sem = _semantics(shared_data, "Office_A_20110811.ifc")
    kinds: dict[str, set[type]] = {}
    for product in (model.by_guid(gid) for gid in sem.elements):
        for set_name, props in ifcopenshell.util.element.get_psets(product).items():
            for prop, value in props.items():
                if prop != "id" and isinstance(value, bool | str):
                    kinds.setdefault(f"{set_name}.{prop}", set()).add(type(value))
    mixed = [key for key, found in kinds.items() if found == {bool, str}]
    assert mixed
    for key in mixed:
        assert sem.attribute_schema[key] == "string"
        values = [i.attributes[key] for i in sem.elements.values() if key in i.attributes]
        assert all(v is None or isinstance(v, str) for v in values)
        assert {"true", "false"} & set(values)
