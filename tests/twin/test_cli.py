"""The ``twin`` command line, run as a user runs it: a child process with TWIN_* settings."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from bench.synthetic import synthetic_footprints
from storage.factory import open_catalog, open_object_store
from tests.serving import free_port
from tests.twin.footprint_samples import sample_frame
from twin.domain import FeatureQuery
from twin.naming import version_prefix
from twin.settings import Settings


def env_for(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWIN_")}
    env["TWIN_DATA_DIR"] = str(settings.data_dir)
    env["TWIN_LOG_LEVEL"] = "WARNING"
    if settings.database_url:
        env["TWIN_DATABASE_URL"] = settings.database_url
    if settings.storage_url:
        env["TWIN_STORAGE_URL"] = settings.storage_url
    if settings.s3_access_key and settings.s3_secret_key:
        env["TWIN_S3_ACCESS_KEY"] = settings.s3_access_key.get_secret_value()
        env["TWIN_S3_SECRET_KEY"] = settings.s3_secret_key.get_secret_value()
    return env


#: the sample frame's height and id columns
BY_HEIGHT_AND_ID = ("--height-field", "height", "--id-field", "bid")


def twin(settings: Settings, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "twin.cli.main", *args],
        env=env_for(settings),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"twin {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return proc


def ingest_futian(settings: Settings, gpkg: Path) -> subprocess.CompletedProcess[str]:
    return twin(settings, "ingest", "buildings", str(gpkg), "--layer", "futian", *BY_HEIGHT_AND_ID)


@pytest.fixture
def gpkg(tmp_path: Path) -> Path:
    path = tmp_path / "futian.gpkg"
    sample_frame("EPSG:4547").to_file(path, driver="GPKG", engine="pyogrio")
    return path


def test_ingest_then_layers_json_lists_the_layer(settings: Settings, gpkg: Path) -> None:
    out = ingest_futian(settings, gpkg)
    assert "futian v1: 12 buildings" in out.stdout
    layers = json.loads(twin(settings, "layers", "--json").stdout)
    assert [x["id"] for x in layers] == ["futian"]
    (layer,) = layers
    assert layer["kind"] == "buildings" and layer["version"] == 1 and layer["feature_count"] == 12
    assert layer["tileset"] == "layers/futian/v000001/tileset.json"
    assert len(layer["bbox"]) == 4 and 114 < layer["bbox"][0] < layer["bbox"][2] < 114.1


def test_db_migrate_is_idempotent(settings: Settings) -> None:
    first = twin(settings, "db", "migrate").stdout
    second = twin(settings, "db", "migrate").stdout
    assert first.startswith("applied: ")
    assert second.strip() == "catalog is up to date"


def test_a_source_without_crs_fails_with_a_clear_message(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "nocrs.shp"
    sample_frame("EPSG:4547").to_file(path, driver="ESRI Shapefile", engine="pyogrio")
    path.with_suffix(".prj").unlink()  # a shapefile without its .prj has no CRS
    proc = twin(
        settings, "ingest", "buildings", str(path), "--layer", "x", "--height", "10", check=False
    )
    assert proc.returncode == 2
    assert "no CRS" in proc.stderr and "--crs" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_rejected_features_are_listed_and_strict_mode_refuses_them(
    settings: Settings, tmp_path: Path
) -> None:
    frame = sample_frame("EPSG:4547")
    frame.loc[3, "height"] = -1.0
    path = tmp_path / "neg.gpkg"
    frame.to_file(path, driver="GPKG", engine="pyogrio")
    base = [
        "ingest",
        "buildings",
        str(path),
        "--layer",
        "neg",
        *BY_HEIGHT_AND_ID,
    ]
    strict = twin(settings, *base, "--strict", check=False)
    assert (
        strict.returncode == 2
        and "B003" in strict.stderr
        and "non_positive_height" in strict.stderr
    )
    assert json.loads(twin(settings, "layers", "--json").stdout) == []
    report = tmp_path / "report.json"
    ok = twin(settings, *base, "--report", str(report))
    assert "1 rejected" in ok.stdout
    assert json.loads(report.read_text())["rejected"][0]["source_id"] == "B003"


def test_an_invalid_layer_name_is_refused(settings: Settings, gpkg: Path) -> None:
    proc = twin(
        settings,
        "ingest",
        "buildings",
        str(gpkg),
        "--layer",
        "../etc",
        "--height",
        "9",
        check=False,
    )
    assert proc.returncode == 2 and "invalid layer id" in proc.stderr


def test_export_of_an_unknown_layer_fails(settings: Settings, tmp_path: Path) -> None:
    proc = twin(settings, "export", "--layer", "nope", str(tmp_path / "out"), check=False)
    assert proc.returncode != 0 and "layer" in proc.stderr.lower()
    assert not (tmp_path / "out").exists()


def test_a_killed_ingest_keeps_the_previous_version_current_and_intact(
    settings: Settings, gpkg: Path, tmp_path: Path
) -> None:
    ingest_futian(settings, gpkg)
    big = tmp_path / "big.parquet"
    frame = synthetic_footprints(60_000)
    frame.to_parquet(big)
    store = open_object_store(settings)
    catalog = open_catalog(settings)
    before = sorted(i.key for i in store.list("layers/futian/"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "twin.cli.main", "ingest", "buildings", str(big),
         "--layer", "futian", *BY_HEIGHT_AND_ID, "--no-progress"],
        env=env_for(settings), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if any(True for _ in store.list(version_prefix("futian", 2))):
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the ingest finished before it could be killed"
        workers = psutil.Process(proc.pid).children(recursive=True)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    # no worker of the killed ingest lives on (they would wait on its pipes forever)
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert alive == []
    layer = catalog.get_layer("futian")
    assert (layer.version, layer.feature_count) == (1, 12)
    assert catalog.query_features(FeatureQuery(layer="futian")).total == 12
    assert sorted(i.key for i in store.list(version_prefix("futian", 1))) == before
    catalog.close()

    out = ingest_futian(settings, gpkg)
    assert "futian v3" in out.stdout
    assert list(store.list(version_prefix("futian", 2))) == []


def test_ingest_runs_on_an_existing_dask_cluster_given_by_address(
    settings: Settings, gpkg: Path, tmp_path: Path
) -> None:
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    bin_dir = Path(sys.executable).parent
    scheduler = subprocess.Popen(
        [str(bin_dir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
         "--dashboard-address", ":0", "--no-show"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path,
    )  # fmt: skip
    worker = subprocess.Popen(
        [str(bin_dir / "dask"), "worker", address, "--nworkers", "1", "--nthreads", "1",
         "--no-dashboard", "--name", "twin-test-worker"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path,
    )  # fmt: skip
    try:
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(1, timeout=60)
        args = [*BY_HEIGHT_AND_ID, "--scheduler", address]
        out = twin(settings, "ingest", "buildings", str(gpkg), "--layer", "futian", *args)
        assert "futian v1: 12 buildings" in out.stdout
        with Client(address, timeout="30s") as client:
            executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
        assert next(iter(executed.values())) >= 1  # the external worker built the tiles
        store = open_object_store(settings)
        assert any(i.key.endswith(".glb") for i in store.list(version_prefix("futian", 1)))
    finally:
        for proc in (worker, scheduler):
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_an_unreachable_scheduler_is_a_clear_error(settings: Settings, gpkg: Path) -> None:
    proc = twin(settings, "ingest", "buildings", str(gpkg), "--layer", "futian", "--height", "9",
                "--scheduler", f"tcp://127.0.0.1:{free_port()}", check=False)  # fmt: skip
    assert proc.returncode != 0
    assert "Dask scheduler" in proc.stderr and "Traceback" not in proc.stderr


def test_a_source_with_only_ids_and_geometry_publishes_with_empty_attributes(
    settings: Settings, tmp_path: Path
) -> None:
    import geopandas as gpd
    import shapely

    houses = [
        shapely.box(500_000 + 30 * i, 2_494_000, 500_020 + 30 * i, 2_494_020) for i in range(3)
    ]
    source = tmp_path / "bare.geojson"
    gpd.GeoDataFrame({"hid": ["a", "b", "c"]}, geometry=houses, crs=4547).to_file(source)
    twin(settings, "ingest", "buildings", str(source), "--layer", "bare", "--height", "9",
         "--id-field", "hid", "--no-progress")  # fmt: skip
    catalog = open_catalog(settings)
    try:
        page = catalog.query_features(FeatureQuery(layer="bare", limit=10))
    finally:
        catalog.close()
    assert [(f.id, dict(f.attributes)) for f in page.features] == [
        ("bare:a", {}),
        ("bare:b", {}),
        ("bare:c", {}),
    ]
