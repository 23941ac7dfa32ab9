"""twin's IDS results equal ifctester's own report on every sample IDS x IFC pair."""

from __future__ import annotations

import itertools
from pathlib import Path

import ifcopenshell
import ifctester.ids
import ifctester.reporter
import pytest

from bim_ingest.review.check_ids import check_ids
from twin.errors import InvalidInputError

IDS_FILES = [
    "IDS_aachen_example.ids",
    "IDS_Aedes_example.ids",
    "IDS_SimpleBIM_examples.ids",
    "pass-a_minimal_ids_can_check_a_minimal_ifc_2_2.ids",
]
IFC_FILES = [
    "SimpleWall.ifc",
    "IfcOpenHouse_IFC4.ifc",
    "Duplex_A_20110907_georeferenced.ifc",
    "AC20-FZK-Haus.ifc",
    "example_project_location.ifc",
]


def ifctester_report(ids_path: Path, ifc: ifcopenshell.file) -> list[dict[str, object]]:
    specs = ifctester.ids.open(str(ids_path))
    specs.validate(ifc)
    reporter = ifctester.reporter.Json(specs)
    reporter.report()
    out = []
    for spec in reporter.results["specifications"]:
        failed = {
            e["global_id"] for req in spec["requirements"] for e in req.get("failed_entities", [])
        }
        out.append(
            {
                "name": spec["name"],
                "status": "pass" if spec["status"] else "fail",
                "applicable": spec["total_applicable"],
                "failed": failed,
            }
        )
    return out


@pytest.mark.parametrize(("ids_name", "ifc_name"), list(itertools.product(IDS_FILES, IFC_FILES)))
def test_ids_results_equal_ifctesters_report(
    shared_data: Path, ids_name: str, ifc_name: str
) -> None:
    ids_path = shared_data / "ids" / ids_name
    model = ifcopenshell.open(str(shared_data / "ifc" / ifc_name))
    ours = [
        {"name": r.name, "status": r.status, "applicable": r.applicable, "failed": set(r.failed)}
        for r in check_ids(model, ids_path)
    ]
    assert ours == ifctester_report(
        ids_path, ifcopenshell.open(str(shared_data / "ifc" / ifc_name))
    )


def test_the_official_minimal_case_passes_and_aachen_fails_the_duplex(shared_data: Path) -> None:
    ids_dir = shared_data / "ids"
    minimal = ifcopenshell.open(str(ids_dir / "pass-a_minimal_ids_can_check_a_minimal_ifc_2_2.ifc"))
    (result,) = check_ids(minimal, ids_dir / "pass-a_minimal_ids_can_check_a_minimal_ifc_2_2.ids")
    assert (result.status, result.applicable, result.failed) == ("pass", 2, ())
    duplex = ifcopenshell.open(str(shared_data / "ifc" / "Duplex_A_20110907_georeferenced.ifc"))
    (aachen,) = check_ids(duplex, ids_dir / "IDS_aachen_example.ids")
    assert aachen.status == "fail" and len(aachen.failed) == 2


def test_a_broken_ids_file_is_refused_with_the_reason(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ids"
    bad.write_text("<ids><specifications>", encoding="utf-8")
    model = ifcopenshell.file(schema="IFC4")
    with pytest.raises(InvalidInputError, match=r"not a valid IDS 1\.0 file"):
        check_ids(model, bad)
