"""A client saves ``/scene/tileset.json`` and everything under it, then validates the copy.

Layers are ingested with the ``twin`` command as a user does; the app is served over HTTP
on 127.0.0.1. The copy is checked by ``tileset_check`` (every URI relative and resolving
inside the scene's folder, the 3D Tiles 1.1 schema, rules of the specification) and its
GLB contents by the Khronos glTF validator. The official 3D Tiles validator is not on the
npm registry, so it cannot run here; the same copy passes it (README, Validation).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.synthetic import synthetic_footprints
from tests.scene_api.live_server import live_server
from tests.scene_api.tileset_check import crawl, resolve_inside, tileset_problems
from tests.tiles.glb_tools import issues, validate
from tests.twin.footprint_samples import sample_frame
from tests.twin.test_cli import env_for
from twin.settings import Settings

ROOT = "http://127.0.0.1:8000/scene/"
SCENE = ROOT + "tileset.json"


def _ingest(settings: Settings, source: Path, layer: str, *extra: str, **env: str) -> None:
    """``twin ingest buildings`` in a child process, as a user runs it."""
    command = [sys.executable, "-m", "twin.cli.main", "ingest", "buildings", str(source)]
    command += ["--layer", layer, "--height-field", "height", "--id-field", "bid", *extra]
    proc = subprocess.run(
        command,
        env={**env_for(settings), **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, f"twin ingest {layer} failed:\n{proc.stderr[-3000:]}"


@pytest.fixture
def two_layers(settings: Settings, tmp_path: Path) -> Settings:
    """A 12-building layer in one tile, and 2,500 buildings in tiles of at most 400."""
    futian = tmp_path / "futian.gpkg"
    sample_frame("EPSG:4547").to_file(futian, driver="GPKG", engine="pyogrio")
    _ingest(settings, futian, "futian")
    city = tmp_path / "city.gpkg"
    synthetic_footprints(2500, seed=7).to_file(city, driver="GPKG", engine="pyogrio")
    _ingest(settings, city, "city", TWIN_TILING__MAX_FEATURES_PER_TILE="400")
    return settings


def test_a_saved_copy_of_the_scene_resolves_every_uri_inside_it_and_is_valid_3d_tiles(
    two_layers: Settings, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    with live_server(two_layers) as base, httpx.Client(timeout=30) as client:
        saved = crawl(client, base + "scene/tileset.json", copy)

    assert saved.problems == [], "\n".join(saved.problems)
    assert set(saved.tilesets) == {
        "scene/tileset.json",
        "scene/layers/city/tileset.json",
        "scene/layers/futian/tileset.json",
    }
    written = sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*") if p.is_file())
    assert written == sorted([*saved.tilesets, *saved.contents])
    assert all(path.startswith("scene/") for path in written), written

    city = saved.tilesets["scene/layers/city/tileset.json"]
    assert city["root"].get("children"), "the city layer should be a tree of several tiles"
    city_contents = [c for c in saved.contents if c.startswith("scene/layers/city/")]
    assert len(city_contents) == _count_contents(city["root"]) > 1

    problems = [p for where, doc in saved.tilesets.items() for p in tileset_problems(doc, where)]
    assert problems == [], "\n".join(problems)

    reports = validate([saved.path(c) for c in saved.contents])
    errors = {r["path"]: issues(r, "error") for r in reports if r["numErrors"]}
    assert errors == {}, json.dumps(errors, indent=1)


def _count_contents(tile: dict[str, Any]) -> int:
    own = 1 if "content" in tile else 0
    return own + sum(_count_contents(child) for child in tile.get("children", []))


@pytest.mark.parametrize(
    ("base", "uri", "why"),
    [
        (SCENE, "../tiles/city/tileset.json", "outside"),
        (SCENE, "/tiles/city/tileset.json", "server root"),
        (SCENE, "http://elsewhere.example/tileset.json", "absolute URL"),
        (SCENE, "layers/city/tileset.json?v=2", "query"),
        (ROOT + "layers/city/tileset.json", "../../../tiles/x.glb", "outside"),
        (ROOT + "layers/city/tileset.json", "v/1/%2E%2E/%2E%2E/%2E%2E/x.glb", "outside"),
    ],
)
def test_the_copy_check_refuses_a_uri_a_saved_copy_cannot_resolve(
    base: str, uri: str, why: str
) -> None:
    resolved, problem = resolve_inside(ROOT, base, uri)
    assert resolved is None
    assert problem is not None and why in problem, problem


def test_the_copy_check_resolves_uris_below_the_scene_against_their_own_file() -> None:
    layer = ROOT + "layers/city/tileset.json"
    assert resolve_inside(ROOT, SCENE, "layers/city/tileset.json") == (layer, None)
    content = ROOT + "layers/city/v/3/t/0_1.glb"
    assert resolve_inside(ROOT, layer, "v/3/t/0_1.glb") == (content, None)


def _tileset(**root: Any) -> dict[str, Any]:
    region = [0.1, 0.2, 0.3, 0.4, 0.0, 10.0]
    base_root = {"boundingVolume": {"region": region}, "geometricError": 10.0, "refine": "ADD"}
    return {"asset": {"version": "1.1"}, "geometricError": 20.0, "root": {**base_root, **root}}


def _without(doc: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != key}


def test_the_copy_check_passes_a_minimal_tileset_and_names_what_is_wrong_in_others() -> None:
    assert tileset_problems(_tileset(), "ok.json") == []
    wrong = {
        "no asset": _without(_tileset(), "asset"),
        "version 1.0": {**_tileset(), "asset": {"version": "1.0"}},
        "no refine": {**_tileset(), "root": _without(_tileset()["root"], "refine")},
        "growing error": _tileset(
            children=[
                {"boundingVolume": {"region": [0.1, 0.2, 0.3, 0.4, 0, 1]}, "geometricError": 11.0}
            ]
        ),
        "south above north": _tileset(boundingVolume={"region": [0.1, 0.5, 0.3, 0.4, 0, 1]}),
        "bad refine": _tileset(refine="MERGE"),
        "negative error": _tileset(geometricError=-1.0),
        "external with children": _tileset(
            content={"uri": "inner/tileset.json"},
            children=[
                {"boundingVolume": {"region": [0.1, 0.2, 0.3, 0.4, 0, 1]}, "geometricError": 1.0}
            ],
        ),
    }
    for name, doc in wrong.items():
        assert tileset_problems(doc, name) != [], f"{name}: no problem found in {doc}"
