"""IFC4X3 and .ifczip submissions through the whole pipeline."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import ifcopenshell
import ifcopenshell.api
import numpy as np
import pytest
from pyproj import Transformer

from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from tests.twin.ifc_helpers import ingest
from twin.domain import FeatureQuery
from twin.errors import InvalidInputError


def ifc4x3_building(path: Path) -> dict[str, Any]:
    """An IFC4X3 model in metres: site, building, storey, two walls; map conversion to 4547."""
    f = ifcopenshell.file(schema="IFC4X3")
    run = ifcopenshell.api.run
    project = run("root.create_entity", f, ifc_class="IfcProject", name="4x3")
    run("unit.assign_unit", f)
    model_ctx = run("context.add_context", f, context_type="Model")
    body = run(
        "context.add_context",
        f,
        context_type="Model",
        context_identifier="Body",
        target_view="MODEL_VIEW",
        parent=model_ctx,
    )
    run("georeference.add_georeferencing", f)
    metre = f.createIfcSIUnit(None, "LENGTHUNIT", None, "METRE")
    run(
        "georeference.edit_georeferencing",
        f,
        projected_crs={"Name": "EPSG:4547", "MapUnit": metre},
        coordinate_operation={
            "Eastings": 503_000.0,
            "Northings": 2_494_000.0,
            "OrthogonalHeight": 0.0,
        },
    )
    site = run("root.create_entity", f, ifc_class="IfcSite", name="Site")
    building = run("root.create_entity", f, ifc_class="IfcBuilding", name="B")
    storey = run("root.create_entity", f, ifc_class="IfcBuildingStorey", name="1F")
    run("aggregate.assign_object", f, products=[site], relating_object=project)
    run("aggregate.assign_object", f, products=[building], relating_object=site)
    run("aggregate.assign_object", f, products=[storey], relating_object=building)
    walls = []
    for i in range(2):
        wall = run("root.create_entity", f, ifc_class="IfcWall", name=f"W{i}")
        matrix = np.eye(4)
        matrix[:3, 3] = (0.0, 5.0 * i, 0.0)
        run("geometry.edit_object_placement", f, product=wall, matrix=matrix)
        rep = run(
            "geometry.add_wall_representation",
            f,
            context=body,
            length=6.0,
            height=3.0,
            thickness=0.2,
        )
        run("geometry.assign_representation", f, product=wall, representation=rep)
        run("spatial.assign_container", f, products=[wall], relating_structure=storey)
        walls.append(wall.GlobalId)
    f.write(str(path))
    return {"walls": walls, "storey": storey.GlobalId}


def test_an_ifc4x3_model_ingests_with_its_hierarchy_and_map_conversion(
    backends: tuple[ObjectStore, Catalog], tmp_path: Path
) -> None:
    store, catalog = backends
    made = ifc4x3_building(tmp_path / "road-depot.ifc")
    result = ingest(tmp_path / "road-depot.ifc", "x3", store, catalog, tmp_path)
    assert result.element_count == 2
    assert result.report.schema == "IFC4X3"
    for gid in made["walls"]:
        wall = catalog.get_feature(gid)
        assert wall.parent_id == made["storey"] and wall.content_key.startswith("t/")
    layer = catalog.get_layer("x3")
    assert layer.metadata["georeference"]["source"] == "map_conversion"
    lon, lat = Transformer.from_crs(4547, 4326, always_xy=True).transform(503_000.0, 2_494_000.0)
    assert layer.bbox is not None
    west, south, east, north = layer.bbox
    assert west <= lon + 1e-6 and south <= lat + 1e-6 and east < lon + 1e-4 and north < lat + 1e-4


def test_an_ifczip_submission_ingests_like_the_file_inside(
    shared_data: Path, backends: tuple[ObjectStore, Catalog], tmp_path: Path
) -> None:
    store, catalog = backends
    archive = tmp_path / "wall.ifczip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(shared_data / "ifc/SimpleWall.ifc", "model/SimpleWall.ifc")
    result = ingest(archive, "zipped", store, catalog, tmp_path)
    assert result.element_count == 2
    assert result.report.file == "wall.ifczip"
    page = catalog.query_features(FeatureQuery(layer="zipped", limit=100))
    assert {f.cls for f in page.features} >= {"IfcWallStandardCase", "IfcDoor", "IfcBuildingStorey"}


def test_an_archive_without_exactly_one_ifc_is_refused(tmp_path: Path) -> None:
    from bim_ingest.open_ifc import open_ifc

    archive = tmp_path / "two.ifczip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a.ifc", "x")
        zf.writestr("b.ifc", "y")
    with pytest.raises(InvalidInputError, match="exactly one"):
        open_ifc(archive)
    broken = tmp_path / "broken.ifczip"
    broken.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(InvalidInputError, match="zip"):
        open_ifc(broken)
