from __future__ import annotations

import math
from pathlib import Path

import ifcopenshell
import ifcopenshell.api.root
import ifcopenshell.geom
import numpy as np
import pytest

from bim_ingest.georef_units import model_length_unit, resolve_unit_chain
from tests.twin.placed_box_ifc import UnitCase, write_box

MM, M = 0.001, 1.0


def chain(
    model: float,
    declared: float | None,
    scale: float | None,
    inside: tuple[float, ...] = (M,),
) -> tuple[float, float, tuple[str, ...]]:
    out = resolve_unit_chain(
        model_unit_m=model,
        declared_map_unit_m=declared,
        crs_unit_m=M,
        scale=scale,
        origin_inside=lambda u: any(math.isclose(u, v) for v in inside),
        where="(E, N) lie outside",
    )
    return out.map_unit_m, out.grid_scale, out.warnings


@pytest.mark.parametrize(
    ("model", "declared", "scale"),
    [
        (MM, None, 0.001),  # the schema's reading of Scale: the unit conversion included
        (MM, M, 0.001),
        (MM, None, 1.0),  # Revit: Scale 1 on top of the unit conversion
        (MM, M, 1.0),
        (MM, None, None),
        (M, None, 1.0),
        (M, M, None),
    ],
)
def test_usual_unit_chains_make_one_model_metre_one_grid_metre(
    model: float, declared: float | None, scale: float | None
) -> None:
    map_unit, grid, warnings = chain(model, declared, scale)
    assert (map_unit, grid, warnings) == (M, 1.0, ())


def test_a_real_grid_scale_factor_is_kept_whichever_way_scale_is_written() -> None:
    assert chain(MM, M, 0.0009996)[1] == pytest.approx(0.9996)
    assert chain(MM, None, 0.9996)[1] == pytest.approx(0.9996)
    assert chain(M, None, 0.9996)[1] == pytest.approx(0.9996)


def test_a_unit_conversion_scale_in_a_metre_model_is_ignored_with_a_warning() -> None:
    map_unit, grid, warnings = chain(M, None, 0.001)
    assert (map_unit, grid) == (M, 1.0)
    assert len(warnings) == 1 and "Scale 0.001" in warnings[0] and "ignored" in warnings[0]


def test_an_omitted_map_unit_is_the_project_unit_when_eastings_only_fit_in_it() -> None:
    map_unit, grid, warnings = chain(MM, None, 1.0, inside=(MM,))
    assert (map_unit, grid, warnings) == (MM, 1.0, ())


def test_an_omitted_map_unit_follows_the_scale_when_both_readings_fit() -> None:
    # no area of use to decide (a custom grid): Scale 1 in a mm model says map unit = mm
    assert chain(MM, None, 1.0, inside=(MM, M))[0] == MM
    assert chain(MM, None, 0.001, inside=(MM, M))[0] == M
    assert chain(MM, None, None, inside=(MM, M))[0] == M  # the CRS's unit


def test_millimetre_eastings_under_a_metre_map_unit_are_read_in_millimetres() -> None:
    out = resolve_unit_chain(
        model_unit_m=MM,
        declared_map_unit_m=M,
        crs_unit_m=M,
        scale=None,
        origin_inside=lambda u: u == MM,
        where="(E, N) lie outside",
    )
    assert (out.map_unit_m, out.grid_scale) == (MM, 1.0)
    assert out.unit_fix == {"declared": "metre", "read_in": "millimetre", "divisor": 1000.0}
    assert len(out.warnings) == 1 and "read as millimetres" in out.warnings[0]


def test_eastings_outside_the_area_of_use_in_every_reading_are_warned_about() -> None:
    _, grid, warnings = chain(MM, None, 0.001, inside=())
    assert grid == 1.0 and warnings == (
        "the map conversion's Eastings/Northings (E, N) lie outside",
    )


def _project(*prefixes: str | None) -> ifcopenshell.file:
    f = ifcopenshell.file(schema="IFC4")
    project = ifcopenshell.api.root.create_entity(f, ifc_class="IfcProject", name="units")
    units = [f.createIfcSIUnit(None, "LENGTHUNIT", p, "METRE") for p in prefixes]
    project.UnitsInContext = f.createIfcUnitAssignment(units)
    return f


def test_the_model_unit_is_the_last_length_unit_declared() -> None:
    assert model_length_unit(_project("MILLI")).metres == MM
    assert model_length_unit(_project("MILLI", "MILLI")) == model_length_unit(_project("MILLI"))
    conflicting = model_length_unit(_project("MILLI", None))
    assert conflicting.metres == M
    assert len(conflicting.warnings) == 1 and "millimetre, metre" in conflicting.warnings[0]
    assert model_length_unit(_project(None, "MILLI")).metres == MM
    assert model_length_unit(ifcopenshell.file(schema="IFC4")).metres == M


@pytest.mark.parametrize("prefixes", [("MILLI", None), (None, "MILLI"), ("MILLI", "MILLI")])
def test_the_model_unit_is_the_one_the_geometry_engine_reads(
    prefixes: tuple[str | None, ...], tmp_path: Path
) -> None:
    path = write_box(UnitCase(model_unit="mm"), tmp_path / "box.ifc")
    model = ifcopenshell.open(str(path))
    (assignment,) = model.by_type("IfcUnitAssignment")
    others = [u for u in assignment.Units if getattr(u, "UnitType", None) != "LENGTHUNIT"]
    lengths = [model.createIfcSIUnit(None, "LENGTHUNIT", p, "METRE") for p in prefixes]
    assignment.Units = (*lengths, *others)
    settings = ifcopenshell.geom.settings()
    it = ifcopenshell.geom.iterator(settings, model, 1)
    assert it.initialize()
    verts = np.asarray(it.get().geometry.verts).reshape(-1, 3)  # element coordinates, metres
    longest_side_in_file_units = 24_000.0  # the box is written in millimetres
    kernel_unit = float(np.ptp(verts[:, 0])) / longest_side_in_file_units
    assert model_length_unit(model).metres == pytest.approx(kernel_unit, rel=1e-6)
