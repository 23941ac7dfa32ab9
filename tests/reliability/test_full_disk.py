"""A full disk during ``twin ingest buildings``: the version fails cleanly.

The object store (and, in the second case, the SQLite catalog too) lives on a tmpfs of
2 MiB mounted by the test (the suite runs as root on these machines; a machine where
mounting is refused fails here loudly, never skips). The kernel answers ENOSPC for real.
A first small ingest fits; a second, bigger one fills the disk part way through. Then:

* the command exits non-zero with a one-line message (no stack trace);
* the layer still serves the first version: same row count, the same objects, byte for byte;
* no object or catalog row of the failed version is visible;
* once space is free again the next run cleans up what was left and publishes.
"""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.synthetic import synthetic_footprints
from storage.factory import open_catalog, open_object_store
from tests.reliability.serve import env_for
from tests.twin.footprint_samples import sample_frame
from twin.domain import FeatureQuery
from twin.naming import version_prefix
from twin.settings import Settings

TINY = "2m"
BY_HEIGHT_AND_ID = ("--height-field", "height", "--id-field", "bid", "--no-progress")


@pytest.fixture
def tiny_fs(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={TINY}", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.fail(f"cannot mount a {TINY} tmpfs (run as root): {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _twin(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "twin.cli.main", *args],
        env=env_for(settings),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _ingest(settings: Settings, source: Path) -> subprocess.CompletedProcess[str]:
    return _twin(settings, "ingest", "buildings", str(source), "--layer", "city",
                 *BY_HEIGHT_AND_ID)  # fmt: skip


def _objects(settings: Settings, prefix: str) -> dict[str, str]:
    store = open_object_store(settings)
    return {i.key: hashlib.sha256(store.get_bytes(i.key)).hexdigest() for i in store.list(prefix)}


@pytest.fixture
def sources(tmp_path: Path) -> tuple[Path, Path]:
    small = tmp_path / "small.gpkg"
    sample_frame("EPSG:4547").to_file(small, driver="GPKG", engine="pyogrio")
    big = tmp_path / "big.parquet"
    synthetic_footprints(20_000).to_parquet(big)  # ~2.7 MB of tiles: more than the disk
    return small, big


@pytest.mark.parametrize("catalog_on_tiny_disk", [False, True], ids=["store", "store+catalog"])
def test_a_full_disk_fails_the_version_cleanly_and_the_next_run_cleans_up(
    tiny_fs: Path, sources: tuple[Path, Path], tmp_path: Path, catalog_on_tiny_disk: bool
) -> None:
    small, big = sources
    data_dir = tiny_fs / "data" if catalog_on_tiny_disk else tmp_path / "data"
    settings = Settings(
        data_dir=data_dir, storage_url=f"file://{tiny_fs / 'objects'}", log_json=False
    )
    first = _ingest(settings, small)
    assert first.returncode == 0, first.stderr
    before = _objects(settings, version_prefix("city", 1))
    assert any(k.endswith("tileset.json") for k in before)

    full = _ingest(settings, big)
    assert full.returncode != 0, full.stdout
    assert "Traceback" not in full.stderr
    last = full.stderr.strip().splitlines()[-1]  # before it: the log line of the abandon
    assert last.startswith("twin: error:") and "internal error" not in last, full.stderr
    assert "space" in last.lower(), full.stderr  # says why

    catalog = open_catalog(settings)
    try:
        layer = catalog.get_layer("city")
        assert (layer.version, layer.feature_count) == (1, 12)
        assert catalog.query_features(FeatureQuery(layer="city", limit=100)).total == 12
    finally:
        catalog.close()
    assert _objects(settings, version_prefix("city", 1)) == before  # intact, byte for byte
    assert _objects(settings, version_prefix("city", 2)) == {}  # nothing of v2 visible
    assert _rows_of_version(settings, 2) == 0
    listed = _twin(settings, "layers", "--json")
    assert listed.returncode == 0 and '"version": 1' in listed.stdout, listed.stdout

    again = _ingest(settings, small)  # space is free again: the next run publishes
    assert again.returncode == 0, again.stderr
    assert "city v3" in again.stdout
    assert _objects(settings, version_prefix("city", 2)) == {}
    catalog = open_catalog(settings)
    try:
        assert catalog.get_layer("city").version == 3
    finally:
        catalog.close()
    assert _rows_of_version(settings, 2) == 0  # no row of the failed version is left


def _rows_of_version(settings: Settings, version: int) -> int:
    db = sqlite3.connect(settings.catalog_url.removeprefix("sqlite:///"))
    try:
        query = "SELECT count(*) FROM features WHERE layer_id = 'city' AND version = ?"
        return int(db.execute(query, (version,)).fetchone()[0])
    finally:
        db.close()
