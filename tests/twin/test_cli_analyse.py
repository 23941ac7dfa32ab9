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


def test_sunlight_svf_skyline_and_streets_run_from_the_command_line(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--data-dir", str(data_dir), "analyse"]
    assert main([*base, "sunlight", "--point", _point(130, 90, 21.5), "--date", "2026-01-20"]) == 0
    assert "满足 1" in capsys.readouterr().out
    assert main([*base, "svf", "--point", _point(130, 90, 21.01), "--rays", "256", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["points"][0]["svf"] > 0.99
    ridge = tmp_path / "ridge.geojson"
    line = [grid_point(2000, y, 40.0) for y in (-2000, 0, 2000)]
    ridge.write_text(json.dumps({"type": "LineString", "coordinates": line}))
    png = tmp_path / "view.png"
    argv = [*base, "skyline", "--viewpoint", _point(-60, 30, 0), "--ridge", str(ridge)]
    assert main([*argv, "--panorama", str(png), "--lang", "en"]) == 0
    assert "ridgeline visible" in capsys.readouterr().out
    assert png.read_bytes()[:4] == b"\x89PNG"
    streets = tmp_path / "streets.geojson"
    coords = [grid_point(60, 30, 0)[:2], grid_point(140, 30, 0)[:2]]
    streets.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "深南路"},
                        "geometry": {"type": "LineString", "coordinates": coords},
                    }
                ],
            }
        )
    )
    assert main([*base, "streets", str(streets)]) == 0
    assert "深南路" in capsys.readouterr().out


def test_a_missing_ridge_file_is_an_error_naming_it(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "--data-dir",
            str(data_dir),
            "analyse",
            "skyline",
            "--viewpoint",
            _point(0, 0, 0),
            "--ridge",
            str(tmp_path / "nope.geojson"),
        ]
    )
    assert code != 0 and "nope.geojson" in capsys.readouterr().err


def test_a_corridor_lists_intruders_and_writes_its_max_height_surface(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tif = tmp_path / "limit.tif"
    argv = [
        "--data-dir",
        str(data_dir),
        "analyse",
        "corridor",
        "--viewpoint",
        _point(-200, 30, 0),
        "--target",
        _point(800, 30, 0),
        "--plane",
        "20",
        "--half-width",
        "60",
        "--max-height",
        str(tif),
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "最大侵入" in out and "futian:B" in out
    assert tif.read_bytes()[:2] in (b"II", b"MM")
