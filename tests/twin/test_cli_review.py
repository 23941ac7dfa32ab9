"""``twin review``: the report in Chinese or as JSON, exit 0 pass or fail, 2 when unreadable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.bim_ingest.review.review_models import Block, write_block
from twin.cli.main import main


@pytest.fixture
def block_ifc(tmp_path: Path) -> Path:
    return write_block(
        Block(elevations_m=(0.0, 2.19, 4.39, 7.39), roof_elevation_m=10.39), tmp_path / "b.ifc"
    )


def write_rules(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_review_prints_a_chinese_report_and_exits_0_when_the_model_fails(
    block_ifc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = write_rules(tmp_path, "max_height_m: 8\nmax_far: 1.0\n")
    code = main(
        [
            "--data-dir",
            str(tmp_path / "d"),
            "review",
            str(block_ifc),
            "--rules",
            str(rules),
            "--site-area",
            "1000",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "计容建筑面积" in out and "容积率" in out and "不通过" in out
    assert "结论：存在不通过项" in out


def test_review_json_has_indicators_rules_and_ids_in_the_ids_files_order(
    block_ifc: Path, tmp_path: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = write_rules(tmp_path, "max_far: 1.0\nmax_storeys: 10\n")
    ids = shared_data / "ids" / "IDS_SimpleBIM_examples.ids"
    bcf = tmp_path / "out.bcfzip"
    code = main(
        [
            "--data-dir",
            str(tmp_path / "d"),
            "review",
            str(block_ifc),
            "--rules",
            str(rules),
            "--site-area",
            "1000",
            "--ids",
            str(ids),
            "--bcf",
            str(bcf),
            "--json",
        ]
    )
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert {"indicators", "rules", "ids"} <= set(doc)
    assert doc["indicators"]["counted_floor_area_m2"]["value"] == pytest.approx(350.0)
    assert doc["indicators"]["far"]["value"] == pytest.approx(0.35)
    assert [r["status"] for r in doc["rules"]] == ["pass", "pass"]
    names = [s["name"] for s in doc["ids"]]
    assert names == ["Room requirement 1", "External wall requirement"]
    for spec in doc["ids"]:
        assert set(spec) >= {"name", "status", "applicable", "failed"}
        assert spec["status"] in {"pass", "fail"}
    assert bcf.is_file() and doc["bcf"]["topics"] == sum(s["status"] == "fail" for s in doc["ids"])


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("truncated", "truncated"),
        ("missing", "not found"),
        ("unknown_key", "unknown key 'max_hieght_m'"),
    ],
)
def test_unreadable_input_exits_2_with_the_reason(
    setup: str, message: str, block_ifc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = write_rules(tmp_path, "max_far: 2\n")
    model = block_ifc
    if setup == "truncated":
        model = tmp_path / "cut.ifc"
        model.write_bytes(block_ifc.read_bytes()[:2000])
    elif setup == "missing":
        model = tmp_path / "nothing.ifc"
    else:
        rules = write_rules(tmp_path, "max_hieght_m: 10\n")
    code = main(["--data-dir", str(tmp_path / "d"), "review", str(model), "--rules", str(rules)])
    assert code == 2
    assert message in capsys.readouterr().err
