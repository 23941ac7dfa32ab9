"""Shared fixtures. Every backend-dependent test runs on both backends:

* ``embedded``: SQLite catalog + local-directory object store;
* ``services``: PostGIS catalog + SeaweedFS S3 object store, started here.

``TWIN_TEST_BACKENDS=embedded`` narrows the run on a machine without the
services; CI runs both, and a service that does not come up fails the run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services import S3_ACCESS_KEY, S3_BUCKET, S3_SECRET_KEY, PostGIS, seaweedfs
from twin.settings import AuthSettings, Settings


def _shared_data() -> Path:
    """$TWIN_TEST_SHARED_DATA, else ../shared/data beside the checkout, else /work/shared/data."""
    if "TWIN_TEST_SHARED_DATA" in os.environ:
        return Path(os.environ["TWIN_TEST_SHARED_DATA"])
    beside = Path(__file__).resolve().parents[2] / "shared" / "data"
    return beside if beside.is_dir() else Path("/work/shared/data")


SHARED_DATA = _shared_data()
BACKENDS = [b for b in os.environ.get("TWIN_TEST_BACKENDS", "embedded,services").split(",") if b]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"sample data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def postgis() -> Iterator[PostGIS]:
    pg = PostGIS()
    try:
        yield pg
    finally:
        pg.drop_all()


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as endpoint:
        yield endpoint


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """Settings for a fresh, empty catalog and object store on the chosen backend."""
    data_dir = tmp_path / "twin-data"
    # Starlette's TestClient calls from the host "testclient", not from loopback: the
    # product default ("auto": loopback only until users exist) would refuse its reads.
    # Tests of that default (tests/scene_api/test_access_matrix.py) set it themselves.
    auth = AuthSettings(anonymous_read="all")
    if backend == "embedded":
        return Settings(data_dir=data_dir, log_json=False, auth=auth)
    pg: PostGIS = request.getfixturevalue("postgis")
    endpoint: str = request.getfixturevalue("s3_endpoint")
    prefix = uuid.uuid4().hex[:12]
    return Settings(
        data_dir=data_dir,
        database_url=pg.new_database(),
        storage_url=f"s3://{S3_BUCKET}/{prefix}?endpoint={endpoint}&secure=false",
        s3_access_key=S3_ACCESS_KEY,  # type: ignore[arg-type]
        s3_secret_key=S3_SECRET_KEY,  # type: ignore[arg-type]
        log_json=False,
        auth=auth,
    )
