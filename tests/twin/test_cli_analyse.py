"""``twin analyse``: the API's analyses on the command line, text or JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storage.factory import open_catalog, open_object_store
from tests.twin.analysis.futian_scene import grid_point, publish_futian
from twin.cli.main import main
from twin.settings import Settings


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    settings = Settings(data_dir=tmp_path / "d", log_json=False)
    store, catalog = open_object_store(settings), open_catalog(settings)
    catalog.migrate()
    publish_futian(store, catalog)
    catalog.close()
    return tmp_path / "d"


def _point(x: float, y: float, h: float) -> str:
    return ",".join(f"{v:.9f}" for v in grid_point(x, y, h))


def test_a_sightline_prints_its_obstructions_in_chinese(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--data-dir", str(data_dir), "analyse", "sightline"]
    code = main([*argv, "--from", _point(-10, 10, 5), "--to", _point(150, 10, 5)])
    out = capsys.readouterr().out
    assert code == 0
    assert "被遮挡" in out and "futian:B000" in out and "futian:B003" in out


def test_a_sightline_as_json_is_what_the_api_answers(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--data-dir", str(data_dir), "analyse", "sightline", "--json", "--above-ground"]
    code = main(
        [
            *argv,
            "--from",
            _point(-10, 10, 12.5),
            "--to",
            _point(150, 10, 12.5),
            "--remove",
            "futian:B003",
            "--compare",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["before"]["obstructions"][0]["feature_id"] == "futian:B003"
    assert out["after"]["visible"] is True


def test_a_malformed_point_is_refused_with_its_text(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(
            ["--data-dir", str(data_dir), "analyse", "sightline", "--from", "1,2", "--to", "1,2,3"]
        )
    assert stop.value.code == 2
    assert "'1,2': a point is LON,LAT,H" in capsys.readouterr().err


def test_an_unknown_layer_is_an_error_naming_it(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "--data-dir",
            str(data_dir),
            "analyse",
            "sightline",
            "--from",
            _point(0, 0, 1),
            "--to",
            _point(5, 5, 1),
            "--layers",
            "atlantis",
        ]
    )
    assert code != 0
    assert "atlantis" in capsys.readouterr().err
