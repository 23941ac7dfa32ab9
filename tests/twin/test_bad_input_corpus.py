"""Every malformed input of the corpus is refused with a clear CLI error and changes nothing.

The small hand-written files are in tests/corpus/; truncated copies of the sample data and
a zip bomb are made here. Before each refused ingest a good layer is published; after it,
the catalog's layers and every object in the store are exactly as they were.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from storage.factory import open_catalog, open_object_store
from tests.twin.test_cli import twin
from twin.settings import Settings

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
GOOD = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"bid": f"b{i}", "height": 10.0 + i},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [114.05 + i * 1e-3, 22.54],
                        [114.0505 + i * 1e-3, 22.54],
                        [114.0505 + i * 1e-3, 22.5405],
                        [114.05 + i * 1e-3, 22.54],
                    ]
                ],
            },
        }
        for i in range(3)
    ],
}


def truncated(src: Path, keep: int, out: Path) -> Path:
    out.write_bytes(src.read_bytes()[:keep])
    return out


def zip_bomb(out: Path) -> Path:
    """~300 KB that inflates to 300 MiB of one IFC member."""
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z,
        z.open("model.ifc", "w", force_zip64=True) as f,
    ):
        f.write(b"ISO-10303-21;\n")
        block = b"\0" * (1 << 20)
        for _ in range(300):
            f.write(block)
    return out


def two_models(out: Path) -> Path:
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("a.ifc", "ISO-10303-21;\n")
        z.writestr("b.ifc", "ISO-10303-21;\n")
    return out


# (case id, ingest kind, how to make the file, extra args, words the error must hold)
CASES = [
    (
        "truncated-ifc",
        "ifc",
        lambda d, t: truncated(d / "ifc/AC20-FZK-Haus.ifc", 200_000, t / "a.ifc"),
        (),
        "truncated",
    ),
    ("empty-ifc", "ifc", lambda d, t: CORPUS / "empty.ifc", (), "not an IFC STEP file"),
    ("text-as-ifc", "ifc", lambda d, t: CORPUS / "not_an_ifc.ifc", (), "not an IFC STEP file"),
    ("ifczip-bomb", "ifc", lambda d, t: zip_bomb(t / "bomb.ifczip"), (), "zip bomb"),
    ("ifczip-two-models", "ifc", lambda d, t: two_models(t / "two.ifczip"), (), "exactly one .ifc"),
    (
        "truncated-las",
        "pointcloud",
        lambda d, t: truncated(d / "pointcloud/autzen-utm.las", 3000, t / "a.las"),
        (),
        "truncated",
    ),
    (
        "truncated-laz",
        "pointcloud",
        lambda d, t: truncated(d / "pointcloud/autzen_trim.laz", 50_000, t / "a.laz"),
        (),
        "truncated",
    ),
    (
        "truncated-geotiff",
        "terrain",
        lambda d, t: truncated(d / "terrain/pysheds-dem.tif", 5000, t / "a.tif"),
        (),
        "not a raster",
    ),
    ("tiff-header-only", "terrain", lambda d, t: CORPUS / "dem_not_a_tiff.tif", (), "not a raster"),
    (
        "cityjson-bad-index",
        "citymodel",
        lambda d, t: CORPUS / "cityjson_bad_vertex_index.city.json",
        (),
        "vertex index 99",
    ),
    (
        "geojson-nan",
        "buildings",
        lambda d, t: CORPUS / "geojson_nan_coordinates.geojson",
        ("--height-field", "height"),
        "NaN",
    ),
    (
        "layer-path-traversal",
        "buildings",
        lambda d, t: t / "good.geojson",
        ("--height-field", "height", "--layer", "../evil"),
        "invalid layer id",
    ),
]


def snapshot(settings: Settings) -> tuple[list[object], list[tuple[str, str | None]]]:
    catalog = open_catalog(settings)
    try:
        layers: list[object] = [
            (r.id, r.version, r.feature_count, r.tileset_key, r.bbox, r.updated_at)
            for r in catalog.list_layers()
        ]
    finally:
        catalog.close()
    objects = sorted((o.key, o.etag) for o in open_object_store(settings).list(""))
    return layers, objects


def test_every_malformed_input_is_refused_clearly_and_changes_nothing(
    settings: Settings, shared_data: Path, tmp_path: Path
) -> None:
    good = tmp_path / "good.geojson"
    good.write_text(json.dumps(GOOD))
    twin(settings, "ingest", "buildings", str(good), "--layer", "city", "--height-field", "height")
    before = snapshot(settings)
    assert before[0] and before[1]
    failures: list[str] = []
    for name, kind, make, extra, words in CASES:
        path = make(shared_data, tmp_path)
        args = ["ingest", kind, str(path), *extra]
        if "--layer" not in extra:
            args += ["--layer", "city"]  # a refused input must not touch the published layer
        proc = twin(settings, *args, check=False)
        last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""
        if proc.returncode != 2 or not last.startswith("twin: error:") or words not in last:
            failures.append(f"{name}: exit {proc.returncode}, {last!r}")
        elif "Traceback" in proc.stderr:
            failures.append(f"{name}: a traceback was printed")
        elif snapshot(settings) != before:
            failures.append(f"{name}: the catalog or the store changed")
    assert not failures, "\n".join(failures)
