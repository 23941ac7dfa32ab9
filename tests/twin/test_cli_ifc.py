"""``twin ingest ifc`` run as a user runs it: bad submissions fail clearly and change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storage.factory import open_catalog, open_object_store
from tests.twin.test_cli import twin
from twin.settings import Settings


def _objects(settings: Settings) -> dict[str, str]:
    store = open_object_store(settings)
    return {o.key: o.etag for o in store.list("layers/")}


def test_an_ifc_submission_ingests_with_a_report_and_lists_as_a_bim_layer(
    settings: Settings, shared_data: Path, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    done = twin(
        settings,
        "ingest",
        "ifc",
        str(shared_data / "ifc/AC20-FZK-Haus.ifc"),
        "--layer",
        "fzk",
        "--report",
        str(report),
        "--no-progress",
    )
    assert "layer fzk v1" in done.stdout and "site_reference" in done.stdout
    body = json.loads(report.read_text())
    assert body["report"]["schema"] == "IFC4"
    assert body["report"]["georeference"]["source"] == "site_reference"
    assert body["element_count"] > 50
    layers = json.loads(twin(settings, "layers", "--json").stdout)
    (layer,) = [lyr for lyr in layers if lyr["id"] == "fzk"]
    assert layer["kind"] == "bim"


def test_a_truncated_ifc_is_refused_and_the_published_version_stays(
    settings: Settings, shared_data: Path, tmp_path: Path
) -> None:
    source = shared_data / "ifc/SimpleWall.ifc"
    twin(settings, "ingest", "ifc", str(source), "--layer", "wall", "--no-progress")
    before = _objects(settings)
    cut = tmp_path / "cut.ifc"
    cut.write_bytes(source.read_bytes()[: source.stat().st_size // 2])
    failed = twin(settings, "ingest", "ifc", str(cut), "--layer", "wall", check=False)
    assert failed.returncode == 2
    assert "truncated" in failed.stderr and "Traceback" not in failed.stderr
    assert _objects(settings) == before
    catalog = open_catalog(settings)
    try:
        assert catalog.get_layer("wall").version == 1
    finally:
        catalog.close()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is not a model\n", "not an IFC STEP file"),
        (b"ISO-10303-21;\nHEADER;\nFILE_SCHEMA(('IFC9'));\nENDSEC;\nEND-ISO-10303-21;\n", "IFC9"),
    ],
)
def test_a_file_that_is_not_ifc_is_refused_with_a_clear_message(
    settings: Settings, tmp_path: Path, content: bytes, message: str
) -> None:
    bad = tmp_path / "bad.ifc"
    bad.write_bytes(content)
    failed = twin(settings, "ingest", "ifc", str(bad), "--layer", "bad", check=False)
    assert failed.returncode == 2
    assert message in failed.stderr
    assert _objects(settings) == {}


def test_a_model_without_georeference_needs_an_origin(
    settings: Settings, shared_data: Path
) -> None:
    house = str(shared_data / "ifc/IfcOpenHouse_IFC4.ifc")
    failed = twin(settings, "ingest", "ifc", house, "--layer", "house", check=False)
    assert failed.returncode == 2 and "--origin" in failed.stderr
    done = twin(
        settings,
        "ingest", "ifc", house, "--layer", "house",
        "--origin", "114.0553,22.542,5", "--rotation", "12", "--no-progress",
    )  # fmt: skip
    assert "cli_origin" in done.stdout


def test_bad_origin_arguments_are_refused(settings: Settings, shared_data: Path) -> None:
    house = str(shared_data / "ifc/IfcOpenHouse_IFC4.ifc")
    out = twin(settings, "ingest", "ifc", house, "--layer", "h", "--origin", "500,1", check=False)
    assert out.returncode == 2 and "out of range" in out.stderr
    out = twin(settings, "ingest", "ifc", house, "--layer", "h", "--rotation", "5", check=False)
    assert out.returncode == 2 and "--rotation goes with --origin" in out.stderr
