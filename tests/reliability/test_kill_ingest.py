"""kill -9 of ``twin ingest buildings`` at any point of its run.

``tests/twin/test_cli.py`` kills an ingest once its first tile is stored. This sweeps the
whole run instead: a timed ingest of the same source first gives its wall time T, then
ingests are killed (SIGKILL, workers included) at fractions of T — start-up and reading,
tiling, the catalog load, the end — and the moment the new version's tileset.json (its
last object) appears, just before the switch. After every kill:

* the current version is the previous one, intact (rows and objects byte for byte), or —
  when the kill came after the switch — the new one, complete; never anything between;
* no row or object of an unpublished version is visible through the catalog;
* the next run publishes and removes what the killed one left.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from bench.synthetic import synthetic_footprints
from storage.factory import open_catalog, open_object_store
from tests.reliability.serve import env_for
from tests.twin.footprint_samples import sample_frame
from twin.domain import FeatureQuery
from twin.naming import version_prefix
from twin.settings import Settings

N_BIG = 20_000
FRACTIONS = (0.1, 0.35, 0.6, 0.8)
ARGS = ("--layer", "city", "--height-field", "height", "--id-field", "bid", "--no-progress")


def _cmd(source: Path) -> list[str]:
    return [sys.executable, "-m", "twin.cli.main", "ingest", "buildings", str(source), *ARGS]


def _ingest(settings: Settings, source: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(_cmd(source), env=env_for(settings), capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def _objects(settings: Settings, prefix: str) -> dict[str, str]:
    store = open_object_store(settings)
    return {i.key: hashlib.sha256(store.get_bytes(i.key)).hexdigest() for i in store.list(prefix)}


def _kill(settings: Settings, source: Path, *, after_s: float | None, tileset_key: str) -> bool:
    """Start an ingest, SIGKILL it after ``after_s`` (None: when ``tileset_key`` appears);
    whether it was still running when killed. Its workers must die with it."""
    store = open_object_store(settings)
    proc = subprocess.Popen(_cmd(source), env=env_for(settings),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + (after_s if after_s is not None else 120)
        while proc.poll() is None and time.monotonic() < deadline:
            if after_s is None and store.exists(tileset_key):
                break
            time.sleep(0.005 if after_s is None else 0.02)
        children = psutil.Process(proc.pid).children(recursive=True) if proc.poll() is None else []
        running = proc.poll() is None
        if running:
            os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    _, alive = psutil.wait_procs(children, timeout=10)
    assert alive == [], "workers of the killed ingest live on"
    return running


def _rows_of(settings: Settings, version: int) -> int:
    """Catalog rows of ``version`` of the layer, visible or not."""
    catalog = open_catalog(settings)
    try:
        mark = "?" if catalog.paramstyle == "qmark" else "%s"
        sql = f"SELECT count(*) FROM features WHERE layer_id = {mark} AND version = {mark}"
        with catalog.transaction() as conn:
            return int(conn.execute(sql, ("city", version)).fetchone()[0])
    finally:
        catalog.close()


@pytest.mark.slow
def test_kill_9_at_any_point_of_an_ingest_leaves_one_whole_version(
    settings: Settings, tmp_path: Path
) -> None:
    small = tmp_path / "small.gpkg"
    sample_frame("EPSG:4547").to_file(small, driver="GPKG", engine="pyogrio")
    big = tmp_path / "big.parquet"
    synthetic_footprints(N_BIG).to_parquet(big)

    # the wall time of a whole run of the big ingest, on this machine, now
    timing = Settings.model_validate(
        {**settings.model_dump(), "data_dir": tmp_path / "timing",
         "storage_url": f"file://{tmp_path / 'timing-objects'}", "database_url": None}
    )  # fmt: skip
    start = time.monotonic()
    _ingest(timing, big)
    whole_s = time.monotonic() - start

    _ingest(settings, small)
    points: list[float | None] = [f * whole_s for f in FRACTIONS]
    points.append(None)  # when the tileset.json of the new version appears
    killed_running = 0
    base, base_objects = 1, _objects(settings, version_prefix("city", 1))
    for after_s in points:
        new = base + 1
        killed_running += _kill(
            settings, big, after_s=after_s, tileset_key=version_prefix("city", new) + "tileset.json"
        )
        published = _assert_consistent(settings, base, base_objects, N_BIG)
        # the next run sweeps what the killed one left, then publishes
        out = _ingest(settings, small)
        found = re.search(r"layer city v(\d+):", out.stdout)
        assert found is not None, out.stdout
        next_version = int(found.group(1))  # `new` when the kill came before the reservation
        assert next_version in (new, new + 1), out.stdout
        if published == base and next_version == new + 1:
            assert _objects(settings, version_prefix("city", new)) == {}
            assert _rows_of(settings, new) == 0
        base = next_version
        base_objects = _objects(settings, version_prefix("city", base))
    # the machine is shared: a late point may find the run already over (still consistent)
    assert killed_running >= len(FRACTIONS) - 1, "too few ingests were killed while running"


def _assert_consistent(
    settings: Settings, base: int, base_objects: dict[str, str], big: int
) -> int:
    catalog = open_catalog(settings)
    try:
        layer = catalog.get_layer("city")
        total = catalog.query_features(FeatureQuery(layer="city", limit=1)).total
    finally:
        catalog.close()
    assert layer.version in (base, base + 1), layer.version
    if layer.version == base:  # killed before the switch: the previous version, intact
        assert (layer.feature_count, total) == (12, 12)
        assert _objects(settings, version_prefix("city", base)) == base_objects
    else:  # killed after the switch: the new version is complete
        assert (layer.feature_count, total) == (big, big)
        assert layer.tileset_key is not None
        assert open_object_store(settings).exists(layer.tileset_key)
    return int(layer.version)
