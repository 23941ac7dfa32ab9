"""Small layers are tiled by a local pool instead of Dask: same tileset, tiles and rows."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from distributed import Client

from bench.synthetic import synthetic_footprints
from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from tests.twin.test_cli import BY_HEIGHT_AND_ID, env_for
from tests.twin.test_publish_buildings import footprints, tileset
from twin.domain import FeatureQuery
from twin.naming import version_prefix
from twin.pipeline.publish_buildings import publish_buildings
from twin.readers.footprints import FootprintSet, HeightRule, load_footprints
from twin.settings import Settings, TilingSettings

#: small tiles, so that a few thousand buildings make dozens of them on several levels
SMALL_TILES = {"max_features_per_tile": 150}


def city(n: int = 3000) -> FootprintSet:
    return load_footprints(
        synthetic_footprints(n), layer="city", rule=HeightRule(field="height"), id_field="bid"
    )


def snapshot(store: ObjectStore, catalog: Catalog, version: int) -> dict[str, Any]:
    """Everything a publish wrote for ``version``, with the version number taken out."""
    prefix = version_prefix("city", version)
    objects = {i.key[len(prefix) :]: store.get_bytes(i.key) for i in store.list(prefix)}
    doc = tileset(store, prefix + "tileset.json")
    doc["asset"].pop("tilesetVersion")
    objects.pop("tileset.json")
    rows = []
    offset = 0
    while True:
        page = catalog.query_features(FeatureQuery(layer="city", limit=1000, offset=offset))
        rows += [(f.id, f.cls, f.parent_id, dict(f.attributes), f.footprint_wkb, f.bbox,
                  f.zmin, f.zmax, f.content_key) for f in page.features]  # fmt: skip
        offset += page.limit
        if offset >= page.total:
            break
    layer = catalog.get_layer("city")
    facts = (layer.crs, layer.bbox, layer.zmin, layer.zmax, layer.feature_count)
    return {"tileset": doc, "objects": objects, "rows": sorted(rows), "layer": facts}


@pytest.mark.parametrize(
    "local",
    [
        TilingSettings(**SMALL_TILES),  # one forked worker process on 2 cores
        TilingSettings(**SMALL_TILES, n_workers=3),
        TilingSettings(**SMALL_TILES, processes=False),  # threads
    ],
    ids=["forked-default", "forked-3", "threads"],
)
def test_the_local_pool_publishes_the_same_tileset_tiles_and_rows_as_dask(
    backends: tuple[ObjectStore, Catalog], dask_client: Client, local: TilingSettings
) -> None:
    store, catalog = backends
    fps = city()
    on_dask = publish_buildings(
        fps, store=store, catalog=catalog, tiling=TilingSettings(**SMALL_TILES), client=dask_client
    )
    by_dask = snapshot(store, catalog, on_dask.version)
    here = publish_buildings(fps, store=store, catalog=catalog, tiling=local, client=None)
    by_pool = snapshot(store, catalog, here.version)

    assert here.version == on_dask.version + 1
    assert len(by_dask["objects"]) == on_dask.tile_count > 20
    assert by_pool["tileset"] == by_dask["tileset"]
    assert by_pool["objects"].keys() == by_dask["objects"].keys()
    assert by_pool["objects"] == by_dask["objects"]  # byte for byte
    assert len(by_pool["rows"]) == 3000 and by_pool["rows"] == by_dask["rows"]
    assert by_pool["layer"] == by_dask["layer"]
    assert (here.tile_count, here.stored_bytes, here.glb_bytes) == (
        on_dask.tile_count,
        on_dask.stored_bytes,
        on_dask.glb_bytes,
    )


class FailOnTile:
    """A store that refuses one tile key, in whichever process writes it."""

    def __init__(self, inner: ObjectStore, suffix: str) -> None:
        self.inner = inner
        self.suffix = suffix

    def put_bytes(self, key: str, data: bytes, **kw: Any) -> Any:
        if key.endswith(self.suffix):
            raise OSError("disk full")
        return self.inner.put_bytes(key, data, **kw)

    def __deepcopy__(self, memo: dict[int, Any]) -> FailOnTile:
        return FailOnTile(copy.deepcopy(self.inner, memo), self.suffix)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.mark.parametrize("processes", [True, False], ids=["forked", "threads"])
def test_a_tile_failing_in_the_local_pool_abandons_the_version(
    backends: tuple[ObjectStore, Catalog], processes: bool
) -> None:
    store, catalog = backends
    tiling = TilingSettings(max_features_per_tile=4, processes=processes)
    first = publish_buildings(footprints(layer="city"), store=store, catalog=catalog, tiling=tiling)
    before = sorted(i.key for i in store.list("layers/city/"))
    failing = FailOnTile(store, "/t/0.glb")
    with pytest.raises(OSError, match="disk full"):
        publish_buildings(footprints(20, layer="city"), store=failing, catalog=catalog,
                          tiling=tiling)  # type: ignore[arg-type]  # fmt: skip
    layer = catalog.get_layer("city")
    assert (layer.version, layer.feature_count, layer.tileset_key) == (1, 12, first.tileset_key)
    assert sorted(i.key for i in store.list("layers/city/")) == before


def test_only_layers_above_the_local_limit_or_with_a_scheduler_run_on_dask() -> None:
    tiling = TilingSettings(local_max_features=1000)
    assert not tiling.runs_on_dask(1000)
    assert tiling.runs_on_dask(1001)
    assert TilingSettings(scheduler="tcp://127.0.0.1:8786").runs_on_dask(1)
    assert TilingSettings(local_max_features=0).runs_on_dask(1)


INGEST_THEN_REPORT_DASK = """
import sys
from twin.cli.main import main
code = main(sys.argv[1:])
print("dask loaded:", "distributed" in sys.modules)
sys.exit(code)
"""


@pytest.mark.parametrize("limit", [None, 5], ids=["small-layer", "limit-below-the-layer"])
def test_the_cli_starts_dask_only_for_a_layer_above_the_local_limit(
    settings: Settings, tmp_path: Path, limit: int | None
) -> None:
    path = tmp_path / "futian.parquet"
    synthetic_footprints(12).to_parquet(path)
    env = env_for(settings)
    if limit is not None:
        env["TWIN_TILING__LOCAL_MAX_FEATURES"] = str(limit)
    proc = subprocess.run(
        [sys.executable, "-c", INGEST_THEN_REPORT_DASK, "ingest", "buildings", str(path),
         "--layer", "futian", *BY_HEIGHT_AND_ID, "--no-progress"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "futian v1: 12 buildings" in proc.stdout
    assert f"dask loaded: {limit is not None}" in proc.stdout
    listed = subprocess.run(
        [sys.executable, "-m", "twin.cli.main", "layers", "--json"],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert json.loads(listed.stdout)[0]["feature_count"] == 12
