"""CityJSON 1.1 / 2.0 / CityJSONSeq reading, on files derived from the Delft sample."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from twin.errors import InvalidInputError
from twin.readers.cityjson import read_cityjson


def _delft(shared_data: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(
        (shared_data / "buildings" / "delft" / "delft.json").read_text(encoding="utf-8")
    )
    return doc


def delft_subset(doc: dict[str, Any], count: int) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The first ``count`` buildings re-indexed onto their own vertices, as a CityJSON 1.1 file.

    Every polygon gets a semantic surface by its position in the shell (roof, wall or ground
    in turn) and the second building becomes a BuildingPart of the first. Returns the file
    and each object's real-world ring coordinates in order, for comparison.
    """
    verts = np.asarray(doc["vertices"], dtype=np.float64)
    real = verts * doc["transform"]["scale"] + doc["transform"]["translate"]
    ids = [k for k, o in doc["CityObjects"].items() if o["type"] == "Building"][:count]
    new_vertices: list[list[int]] = []
    objects: dict[str, Any] = {}
    expected: dict[str, np.ndarray] = {}
    for oid in ids:
        obj = json.loads(json.dumps(doc["CityObjects"][oid]))
        (geom,) = obj["geometry"]
        coords = []
        for shell in geom["boundaries"]:
            for surface in shell:
                for ring in surface:
                    for j, v in enumerate(ring):
                        coords.append(real[v])
                        new_vertices.append(doc["vertices"][v])
                        ring[j] = len(new_vertices) - 1
        geom["semantics"] = {
            "surfaces": [
                {"type": "RoofSurface"},
                {"type": "WallSurface"},
                {"type": "GroundSurface"},
            ],
            "values": [[i % 3 for i in range(len(shell))] for shell in geom["boundaries"]],
        }
        objects[oid] = obj
        expected[oid] = np.asarray(coords)
    first, second = ids[0], ids[1]
    objects[second]["type"] = "BuildingPart"
    objects[second]["parents"] = [first]
    objects[first]["children"] = [second]
    out = {
        "type": "CityJSON",
        "version": "1.1",
        "transform": doc["transform"],
        "metadata": {"referenceSystem": doc["metadata"]["referenceSystem"]},
        "CityObjects": objects,
        "vertices": new_vertices,
    }
    return out, expected


def _write(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_a_cityjson_2_file_yields_every_building_with_measured_height(shared_data: Path) -> None:
    doc = _delft(shared_data)
    model = read_cityjson(shared_data / "buildings" / "delft" / "delft.json")
    buildings = [k for k, o in doc["CityObjects"].items() if o["type"] == "Building"]
    assert (model.format, model.version, model.crs) == ("CityJSON", "2.0", "EPSG:7415")
    assert [o.id for o in model.objects] == buildings
    first = model.objects[0]
    raw = doc["CityObjects"][first.id]
    assert first.attributes["measuredHeight"] == raw["attributes"]["measuredHeight"]
    assert first.lod == "1"
    polygons = sum(len(shell) for shell in raw["geometry"][0]["boundaries"])
    assert len(first.surfaces) == polygons


def test_a_cityjson_1_1_file_keeps_coordinates_semantics_and_parts(
    shared_data: Path, tmp_path: Path
) -> None:
    doc, expected = delft_subset(_delft(shared_data), 3)
    model = read_cityjson(_write(tmp_path / "small.json", doc))
    assert model.version == "1.1"
    assert [o.id for o in model.objects] == list(expected)
    for obj in model.objects:
        coords = np.concatenate([r for s in obj.surfaces for r in s.rings])
        np.testing.assert_allclose(coords, expected[obj.id], atol=1e-6)
        kinds = [s.kind for s in obj.surfaces]
        assert kinds == [
            ("RoofSurface", "WallSurface", "GroundSurface")[i % 3] for i in range(len(kinds))
        ]
        assert obj.surface_counts()["roof_surfaces"] == kinds.count("RoofSurface") > 0
    part = model.objects[1]
    assert (part.cls, part.parent_id) == ("BuildingPart", model.objects[0].id)


def test_a_cityjsonseq_reads_like_the_file_it_was_cut_from(
    shared_data: Path, tmp_path: Path
) -> None:
    doc, _ = delft_subset(_delft(shared_data), 3)
    whole = read_cityjson(_write(tmp_path / "whole.json", doc))
    header = {k: v for k, v in doc.items() if k not in {"CityObjects", "vertices"}}
    header.update({"CityObjects": {}, "vertices": []})
    lines = [json.dumps(header)]
    for oid, obj in doc["CityObjects"].items():
        used = sorted({v for s in obj["geometry"][0]["boundaries"][0] for r in s for v in r})
        remap = {v: i for i, v in enumerate(used)}
        local = json.loads(json.dumps(obj))
        for surface in local["geometry"][0]["boundaries"][0]:
            for ring in surface:
                ring[:] = [remap[v] for v in ring]
        feature = {
            "type": "CityJSONFeature",
            "id": oid,
            "CityObjects": {oid: local},
            "vertices": [doc["vertices"][v] for v in used],
        }
        lines.append(json.dumps(feature))
    seq_path = tmp_path / "small.city.jsonl"
    seq_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    seq = read_cityjson(seq_path)
    assert seq.format == "CityJSONSeq"
    assert [o.id for o in seq.objects] == [o.id for o in whole.objects]
    for a, b in zip(seq.objects, whole.objects, strict=True):
        assert [s.kind for s in a.surfaces] == [s.kind for s in b.surfaces]
        for sa, sb in zip(a.surfaces, b.surfaces, strict=True):
            np.testing.assert_allclose(np.concatenate(sa.rings), np.concatenate(sb.rings))


def test_a_geometry_instance_is_placed_at_its_reference_point(tmp_path: Path) -> None:
    square = [[0, 0, 0], [2, 0, 0], [2, 2, 0], [0, 2, 0]]
    doc = {
        "type": "CityJSON",
        "version": "2.0",
        "transform": {"scale": [0.01, 0.01, 0.01], "translate": [1000.0, 2000.0, 5.0]},
        "geometry-templates": {
            "templates": [{"type": "MultiSurface", "lod": "2", "boundaries": [[[0, 1, 2, 3]]]}],
            "vertices-templates": square,
        },
        "CityObjects": {
            "b": {
                "type": "Building",
                "geometry": [
                    {
                        "type": "GeometryInstance",
                        "template": 0,
                        "boundaries": [0],
                        "transformationMatrix": [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 0, 0, 0, 1],
                    }
                ],
            }
        },
        "vertices": [[100, 200, 0]],
    }
    (obj,) = read_cityjson(_write(tmp_path / "inst.json", doc)).objects
    (surface,) = obj.surfaces
    expected = np.asarray(square, dtype=float) + np.array([1001.0, 2002.0, 8.0])
    np.testing.assert_allclose(surface.rings[0], expected)


def test_a_dangling_vertex_index_names_the_object_and_the_index(
    shared_data: Path, tmp_path: Path
) -> None:
    doc, _ = delft_subset(_delft(shared_data), 2)
    victim = list(doc["CityObjects"])[1]
    doc["CityObjects"][victim]["geometry"][0]["boundaries"][0][0][0][1] = 999_999
    with pytest.raises(InvalidInputError, match=rf"{victim}.*999999"):
        read_cityjson(_write(tmp_path / "bad.json", doc))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"type": "CityJSON", "version": "2.0", ', "not valid JSON"),
        ('{"type": "FeatureCollection", "features": []}', "not a CityJSON file"),
        (
            '{"type": "CityJSON", "version": "1.0", "CityObjects": {}}',
            "version 1.0 is not supported",
        ),
        ('{"type": "CityJSON", "version": "2.0", "CityObjects": {}}', "needs a transform"),
    ],
)
def test_files_that_are_not_readable_cityjson_are_refused_clearly(
    content: str, message: str, tmp_path: Path
) -> None:
    path = tmp_path / "in.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInputError, match=message):
        read_cityjson(path)
