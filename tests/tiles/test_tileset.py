from __future__ import annotations

import math
from typing import Any

import numpy as np

from tiles.geodesy import EnuFrame
from tiles.partition import PartitionLimits, partition
from tiles.tileset import tileset_json


def tiles_of(tile: dict[str, Any]) -> list[dict[str, Any]]:
    out = [tile]
    for child in tile.get("children", []):
        out.extend(tiles_of(child))
    return out


def inside(inner: list[float], outer: list[float]) -> bool:
    return all(inner[i] >= outer[i] for i in (0, 1, 4)) and all(
        inner[i] <= outer[i] for i in (2, 3, 5)
    )


def city_tileset() -> tuple[dict[str, Any], np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    n = 3000
    lon = rng.uniform(114.00, 114.10, n)
    lat = rng.uniform(22.50, 22.60, n)
    bounds = np.stack([lon, lat, lon + 2e-4, lat + 2e-4], axis=1)
    zmin = np.zeros(n)
    zmax = rng.uniform(3, 200, n)
    x = (lon - 114.05) * 102_000
    y = (lat - 22.55) * 111_000
    root = partition(x, y, np.maximum(28.0, zmax), np.full(n, 500.0), PartitionLimits(200))
    doc = tileset_json(
        root,
        frame=EnuFrame(114.05, 22.55),
        bounds_deg=bounds,
        zmin=zmin,
        zmax=zmax,
        content_uri=lambda a: f"t/{a}.glb",
        version="v000001",
    )
    return doc, bounds, zmin, zmax


def test_every_child_region_lies_inside_its_parent_and_content_inside_its_tile() -> None:
    doc, *_ = city_tileset()

    def check(tile: dict[str, Any]) -> None:
        region = tile["boundingVolume"]["region"]
        if "content" in tile:
            assert inside(tile["content"]["boundingVolume"]["region"], region)
        for child in tile.get("children", []):
            assert inside(child["boundingVolume"]["region"], region)
            assert child["geometricError"] <= tile["geometricError"]
            check(child)

    check(doc["root"])


def test_the_root_region_is_tight_around_the_features() -> None:
    doc, bounds, zmin, zmax = city_tileset()
    w, s, e, n, lo, hi = doc["root"]["boundingVolume"]["region"]
    assert abs(math.degrees(w) - bounds[:, 0].min()) < 1e-6
    assert abs(math.degrees(e) - bounds[:, 2].max()) < 1e-6
    assert (
        abs(math.degrees(s) - bounds[:, 1].min()) < 1e-6
        and abs(math.degrees(n) - bounds[:, 3].max()) < 1e-6
    )
    assert abs(lo - zmin.min()) < 0.1 and abs(hi - zmax.max()) < 0.1


def test_the_root_carries_the_frame_transform_and_the_tileset_is_1_1() -> None:
    doc, *_ = city_tileset()
    assert doc["asset"]["version"] == "1.1"
    m = np.array(doc["root"]["transform"]).reshape(4, 4).T  # column-major
    origin = m[:3, 3]
    assert abs(np.linalg.norm(origin) - 6_378_137) < 30_000  # on the ellipsoid
    up = m[:3, 2]
    assert np.dot(up, origin / np.linalg.norm(origin)) > 0.99
    assert doc["root"]["refine"] == "ADD"
    assert doc["geometricError"] >= doc["root"]["geometricError"] > 0


def test_leaves_have_zero_error_and_every_content_is_listed_once() -> None:
    doc, *_ = city_tileset()
    tiles = tiles_of(doc["root"])
    uris = [t["content"]["uri"] for t in tiles if "content" in t]
    assert len(uris) == len(set(uris))
    assert all(t["geometricError"] == 0 for t in tiles if "children" not in t)
